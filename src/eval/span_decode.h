// GLiNER2 1.2.3's entity decoding (inference/engine.py: _find_spans, _format_spans,
// _format_entity_dict; spec §2.8 steps 1-4), torch-free.
//
// Per entity type, in label order:
//   1. nothing at all unless pred_count (argmax of count_pred([P])) > 0;
//   2. candidates: every (start, width) in row-major order with prob >= threshold (compared in
//      float32, as torch compares a float tensor with a Python scalar) and start+width+1 <= L;
//      chars [word_start[start], word_end[start+width]) of the normalised text, whitespace-stripped
//      for the text (start/end stay unstripped, as in Python); empty texts dropped;
//   3. stable sort by prob, descending; greedily keep spans whose char interval does not overlap
//      one already kept for the same type (other types may overlap);
//   4. drop a span whose lower-cased text equals that of one kept before it (same type).
// Scores use count instance 0 only; the caller passes those [types][L][W] scores.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "eval/entity.h"

namespace gtrain {


// Span scores of one example: [num_types][num_words][max_width], row-major, for count instance 0.
// num_words may exceed the text's word count (a classification prefix before the text): the last
// text-word rows are used, as GLiNER2's scores[..., -text_len:] does.
struct SpanScores {
  const float* data = nullptr;
  int32_t num_types = 0;
  int32_t num_words = 0;
  int32_t max_width = 0;
  bool are_logits = true;  // true: sigmoid is applied; false: data already holds probabilities
};

// The text side: normalised text (UTF-8) and its words' code-point offsets.
struct DecodeText {
  const std::string* text = nullptr;
  const std::vector<int32_t>* word_char_start = nullptr;
  const std::vector<int32_t>* word_char_end = nullptr;
};

struct DecodeOptions {
  float threshold = 0.5f;
  // Optional per-type override (size num_types). A negative value or NaN means none and falls back
  // to threshold, as GLiNER2 1.2.3's `meta_threshold if meta_threshold is not None else threshold`
  // does for a type without one; 0 is a threshold (every scored span passes).
  std::vector<float> type_thresholds;
  // GLiNER2 returns each entity text once per type (case-insensitive). Offset-level evaluation
  // turns that off: a repeated mention is a separate gold entity at its own offsets.
  bool dedupe_text = true;
};

// torch.sigmoid in float32.
float sigmoid(float x);
// First index of the maximum (torch.argmax); -1 for n <= 0.
int32_t argmax(const float* values, int32_t n);

// Decodes one example. labels.size() must equal scores.num_types. Entities come grouped by type
// in label order, each group in selection order (descending score). Returns nothing when
// pred_count <= 0. Throws std::invalid_argument on inconsistent sizes or offsets outside the text.
std::vector<DecodedEntity> decode_entities(const SpanScores& scores, const DecodeText& text,
                                           const std::vector<std::string>& labels,
                                           const DecodeOptions& options, int32_t pred_count = 1);

// The same at several global thresholds at once: result[i] == decode_entities at thresholds[i].
// Candidates are collected and sorted once at the lowest threshold, then filtered per threshold
// (exact: filtering keeps the stable order, and greedy + dedupe only look at higher scores).
std::vector<std::vector<DecodedEntity>> decode_entities_sweep(const SpanScores& scores,
                                                              const DecodeText& text,
                                                              const std::vector<std::string>& labels,
                                                              const std::vector<float>& thresholds,
                                                              int32_t pred_count = 1, bool dedupe_text = true);

}  // namespace gtrain
