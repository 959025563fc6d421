// A tokenized example as stored in the prepared HDF5 files (see docs/data-format.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gtrain {

// Entity span in units: [start_unit, end_unit] inclusive, label = index into the label vocabulary.
struct UnitSpan {
  int32_t start = 0;
  int32_t end = 0;
  int32_t label = 0;
};

struct PreparedExample {
  std::vector<int32_t> token_ids;        // text tokens only (the schema prompt is built at batch time)
  std::vector<int32_t> unit_token;       // unit -> index of its first token in token_ids
  std::vector<int32_t> unit_char_start;  // unit -> code-point offset into text (inclusive)
  std::vector<int32_t> unit_char_end;    // unit -> code-point offset into text (exclusive)
  std::vector<UnitSpan> spans;           // gold entity spans
  std::vector<int32_t> schema_labels;    // label ids this example is annotated for
  std::string text;                      // the (window of the) original text, UTF-8
  int32_t text_char_offset = 0;          // offset of this window in the original example
  int32_t example_index = 0;             // index of the original example in its input
  int32_t source = 0;                    // index into the file's source-name table
  float weight = 1.0f;
  uint8_t silver = 0;                    // 1 = silver (generated) data, 0 = gold
  // Gold entities of the document that no row holds (a boundary inside a unit, wider than
  // max_span_width, or in no window whole), as (start, end, label) triples in code points of the
  // whole document, on its first row only: evaluation counts them as missed, not as absent.
  std::vector<int32_t> lost_gold;
};

// File-level metadata stored as HDF5 attributes.
struct PreparedMeta {
  int32_t format_version = 1;
  std::string tokenizer_fingerprint;  // SHA-256 hex
  std::string tokenizer_kind;
  std::string unit_mode;              // word | subword | morph | char
  std::vector<std::string> labels;    // label vocabulary
  std::vector<std::string> label_descriptions;  // same length as labels, "" = none
  std::vector<std::string> sources;   // source names
  int32_t max_length = 0;
  int32_t max_span_width = 0;
  // Units shared by consecutive windows of a long document (what predict should use again);
  // -1 = not recorded (format version 2).
  int32_t window_stride = -1;
  int64_t num_examples = 0;
  int64_t num_tokens = 0;
  int64_t num_units = 0;
  int64_t num_spans = 0;
};

// 2: a CRC-32C per dataset (attribute crc32c) and over the attributes (meta_crc32c). 3: the
// window_stride attribute, in meta_crc32c (so a gtrain that reads only 2 names the version instead
// of calling the file damaged); files of version 2 are still read (window_stride -1).
constexpr int32_t kPreparedFormatVersion = 3;
constexpr int32_t kOldestPreparedFormatVersion = 2;

}  // namespace gtrain
