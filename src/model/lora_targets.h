// LoRA target matching, GLiNER2 1.2.x semantics (gliner2/training/lora.py), torch-free so that
// `gtrain plan` counts the adapters the model will get by the same rule.
//
// Target matching (lora_target_matches). Only gtrain::Linear modules are candidates. For a Linear
// with full dotted name F (relative to the root passed in, e.g. "encoder.encoder.layer.0.
// attention.self.query_proj" when the root is the GLiNER2 model) and local name L (the last
// component of F, e.g. "query_proj"), a target T selects it when
//   * T == "encoder":             F starts with "encoder." and L contains one of the substrings
//                                 "query", "key", "value", "dense". On DeBERTa-v2 that is
//                                 query_proj, key_proj, value_proj, attention.output.dense,
//                                 intermediate.dense, output.dense of every layer (plus
//                                 pos_key_proj / pos_query_proj when share_att_key is false;
//                                 embeddings.embed_proj is not selected);
//   * T == "encoder.<X>":         F starts with "encoder." and L contains <X> (GLiNER2's
//                                 "encoder.query", "encoder.key", "encoder.value", "encoder.dense"
//                                 restrictions; <X> is a plain substring of the local name);
//   * any other T (GLiNER2's head groups "span_rep", "classifier", "count_embed", "count_pred",
//                 or any module path):  F starts with T + "." (every Linear in that subtree) or
//                                 F == T (gtrain extension: a Linear named exactly T; GLiNER2's
//                                 heads are containers, so this never differs from Python there).
// Matching is case-sensitive; a Linear is selected when any target selects it. Never selected:
// multi-head attention's out_proj (count_lstm_v2), which PyTorch applies as F.linear on its weight,
// so a GLiNER2 adapter there would neither act nor train.
#pragma once
#include <string>
#include <vector>

namespace gtrain {

// The encoder sub-patterns of the "encoder" target.
extern const std::vector<std::string> kLoraEncoderPatterns;  // query, key, value, dense

// A dotted module name's last component ("query_proj" of "encoder.encoder.layer.0.attention.self.query_proj").
std::string local_name(const std::string& full);

// The matching rule above for one module name (full dotted name; the local name is derived).
bool lora_target_matches(const std::string& full_name, const std::vector<std::string>& targets);

}  // namespace gtrain
