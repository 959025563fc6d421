// Building and writing back a Hugging Face config.json (BertConfig::to_json, DebertaV2Config::to_json). A config
// read from a file is written back as read (some fields are resolved at load, e.g. DeBERTa's
// max_relative_positions -1 -> 512), with only vocab_size updated; keys the file lacks and every
// key of a config built in code (a from-scratch encoder) are written from the fields.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <utility>

namespace gtrain {

struct HfConfigJson {
  // Starts from c.raw and puts the keys every encoder family has; the caller puts its own.
  template <class Config>
  explicit HfConfigJson(const Config& c) : j(c.raw.is_object() ? c.raw : nlohmann::json::object()) {
    j["vocab_size"] = c.vocab_size;
    put({{"model_type", c.model_type}, {"hidden_size", c.hidden_size}, {"num_hidden_layers", c.num_hidden_layers},
         {"num_attention_heads", c.num_attention_heads}, {"intermediate_size", c.intermediate_size},
         {"hidden_act", c.hidden_act}, {"hidden_dropout_prob", c.hidden_dropout_prob},
         {"attention_probs_dropout_prob", c.attention_probs_dropout_prob},
         {"max_position_embeddings", c.max_position_embeddings}, {"type_vocab_size", c.type_vocab_size},
         {"initializer_range", c.initializer_range}, {"layer_norm_eps", c.layer_norm_eps},
         {"pad_token_id", c.pad_token_id}});
  }
  // Sets key unless the config read from the file has it.
  void put(const char* key, const nlohmann::json& v) {
    if (!j.contains(key)) j[key] = v;
  }
  void put(std::initializer_list<std::pair<const char*, nlohmann::json>> keys) {
    for (const auto& [key, v] : keys) put(key, v);
  }

  nlohmann::json j;
};

// The sizes of a config built in code (BertConfig::sized, DebertaV2Config::v3); the embeddings
// are as wide as the hidden states.
template <class Config>
void set_encoder_sizes(Config& c, int64_t hidden, int64_t layers, int64_t heads, int64_t intermediate,
                       int64_t vocab) {
  c.hidden_size = c.embedding_size = hidden;
  c.num_hidden_layers = layers;
  c.num_attention_heads = heads;
  c.intermediate_size = intermediate;
  c.vocab_size = vocab;
}

}  // namespace gtrain
