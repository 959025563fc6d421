// A DeBERTa-v3-shaped config.json small enough for a test to build and run a model in
// milliseconds (hidden 32, 2 layers, 4 heads, 8 position buckets, shared attention keys, no
// dropout); a test sets the keys it cares about on top.
#pragma once
#include <nlohmann/json.hpp>

namespace gtrain::test {

inline nlohmann::json tiny_deberta_json() {
  return {{"model_type", "deberta-v2"},   {"hidden_size", 32},
          {"num_hidden_layers", 2},       {"num_attention_heads", 4},
          {"intermediate_size", 64},      {"vocab_size", 40},
          {"max_position_embeddings", 64}, {"relative_attention", true},
          {"position_buckets", 8},        {"max_relative_positions", -1},
          {"pos_att_type", {"p2c", "c2p"}}, {"share_att_key", true},
          {"norm_rel_ebd", "layer_norm"}, {"position_biased_input", false},
          {"hidden_dropout_prob", 0.0},   {"attention_probs_dropout_prob", 0.0},
          {"layer_norm_eps", 1e-7},       {"pad_token_id", 0},
          {"type_vocab_size", 0},         {"hidden_act", "gelu"}};
}

}  // namespace gtrain::test
