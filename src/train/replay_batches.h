// Batches recorded from GLiNER2's own collate (shared/fixtures/gliner2_bench/batches.json: the
// PreprocessedBatch fields input_ids, attention_mask, mapped_indices, schema_tokens_list,
// text_tokens, structure_labels), as Gliner2Batch, so `gtrain bench step --batches` times exactly
// the reference benchmark's work.
//   mapped_indices[b][t] = ["schema", k, s] | ["sep", ...] | ["text", i, s]: token t comes from item
//   k of schema s's token list, or from item i of the combined list (schema tokens, [SEP_TEXT],
//   text words), so text word w = i - (schema tokens + 1). word_pos = each word's first token;
//   schema_pos = the first token of "[P]" and of each "[E]"; gold spans per type from
//   structure_labels[b][0] = [count, [[spans of type 0], [type 1], ...]] (instance 0).
#pragma once
#include <string>
#include <vector>

#include "model/gliner2_model.h"

namespace gtrain {

// Throws std::runtime_error naming the file, the batch and the field on anything unexpected.
std::vector<Gliner2Batch> load_replay_batches(const std::string& path);

}  // namespace gtrain
