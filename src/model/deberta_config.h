// DeBERTa-v2/v3 encoder configuration, parsed from a Hugging Face config.json.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gtrain {

struct DebertaV2Config {
  // Defaults are those of transformers' DebertaV2Config / the getattr() fallbacks in
  // modeling_deberta_v2, so a key missing from config.json means what it means in Python.
  int64_t hidden_size = 1536;
  int64_t num_hidden_layers = 24;
  int64_t num_attention_heads = 24;
  int64_t attention_head_size = 0;  // 0 -> hidden_size / num_attention_heads
  int64_t intermediate_size = 6144;
  std::string hidden_act = "gelu";  // only exact-erf gelu is supported
  int64_t vocab_size = 128100;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 0;
  bool relative_attention = false;
  // Resolved: a value < 1 in the file becomes max_position_embeddings.
  int64_t max_relative_positions = -1;
  int64_t position_buckets = -1;
  std::vector<std::string> pos_att_type;  // subset of {"c2p", "p2c"}
  bool share_att_key = false;
  std::string norm_rel_ebd = "none";  // "layer_norm" or "none"
  bool position_biased_input = true;
  double layer_norm_eps = 1e-7;
  int64_t pad_token_id = 0;
  int64_t embedding_size = 0;  // resolved: defaults to hidden_size
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  double initializer_range = 0.02;
  std::string model_type = "deberta-v2";
  nlohmann::json raw;  // the file as read, to write it back unchanged

  bool has_c2p() const;
  bool has_p2c() const;
  bool norm_rel_layer_norm() const { return norm_rel_ebd == "layer_norm"; }
  int64_t head_size() const {
    return attention_head_size > 0 ? attention_head_size : hidden_size / num_attention_heads;
  }
  // Half-width of the relative-position embedding table (att_span): position_buckets when
  // bucketing, else max_relative_positions. rel_embeddings has 2 * pos_ebd_size() rows.
  int64_t pos_ebd_size() const { return position_buckets > 0 ? position_buckets : max_relative_positions; }

  // The DeBERTa-v3 layout GLiNER2 ships (relative attention with log buckets, c2p + p2c, shared
  // attention key, LayerNorm'd relative table, no absolute positions) at a given size, resolved as
  // its config.json would be on reload. max_relative_positions -1 = max_position_embeddings.
  static DebertaV2Config v3(int64_t hidden, int64_t layers, int64_t heads, int64_t intermediate, int64_t vocab,
                            int64_t position_buckets = 256, int64_t max_relative_positions = -1);

  // Parses and validates; `source` names the file in error messages. Unsupported settings
  // (conv_kernel_size > 0, hidden_act other than gelu, unknown pos_att_type, ...) throw
  // std::runtime_error naming the source and the key.
  static DebertaV2Config from_json(const nlohmann::json& j, const std::string& source = "<json>");
  static DebertaV2Config from_file(const std::string& path);

  // raw, with "vocab_size" set to the current vocab_size (e.g. after resizing embeddings).
  nlohmann::json to_json() const;
  void save(const std::string& path) const;
};

}  // namespace gtrain
