// Configuration of the BERT-family encoders (Hugging Face BertConfig, RobertaConfig,
// ElectraConfig, XLMRobertaConfig), parsed from their config.json. One architecture covers all four:
// absolute position embeddings, token-type embeddings, post-LayerNorm transformer layers. They
// differ in three settings the file carries or the model_type implies:
//   roberta, xlm-roberta  position ids count from pad_token_id + 1 over the non-padding tokens;
//   electra               embedding_size may differ from hidden_size (embeddings_project maps it);
//   bert                  plain positions 0..T-1.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace gtrain {

struct BertConfig {
  // Defaults are transformers' BertConfig ones (per-family defaults are applied by from_json), so a
  // key missing from config.json means what it means in Python.
  std::string model_type = "bert";  // bert | roberta | electra | xlm-roberta
  int64_t vocab_size = 30522;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  std::string hidden_act = "gelu";  // gelu (erf), gelu_new / gelu_fast / gelu_pytorch_tanh (tanh), relu, silu
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  double initializer_range = 0.02;
  double layer_norm_eps = 1e-12;
  int64_t pad_token_id = 0;
  int64_t embedding_size = 0;  // resolved: electra's embedding_size, hidden_size otherwise
  nlohmann::json raw;          // the file as read, to write it back unchanged

  // The four model_type values this architecture implements.
  static bool handles(const std::string& model_type);
  // RoBERTa-style position ids (padding_idx + 1 + running count of non-padding tokens).
  bool offset_positions() const { return model_type == "roberta" || model_type == "xlm-roberta"; }
  bool has_embeddings_project() const { return embedding_size != hidden_size; }
  // transformers' AutoModel builds BertModel / RobertaModel / XLMRobertaModel with a pooler (and
  // GLiNER2 saves it, unused); ElectraModel has none.
  bool has_pooler() const { return model_type != "electra"; }
  int64_t head_size() const { return hidden_size / num_attention_heads; }

  // A config as the family's HF config would say it, at a given size, resolved through from_json:
  // roberta / xlm-roberta get one token type, layer_norm_eps 1e-5 and 512 positions after the pad
  // id; bert / electra two token types and 512 positions (electra's embedding_size = hidden).
  static BertConfig sized(const std::string& model_type, int64_t hidden, int64_t layers, int64_t heads,
                          int64_t intermediate, int64_t vocab, int64_t pad_id);

  // Parses and validates; errors name `source` and the field ("BERT config x/config.json: field
  // 'hidden_act': ..."). Unsupported settings (position_embedding_type other than "absolute", an
  // unknown hidden_act) are refused rather than computed differently from Python.
  static BertConfig from_json(const nlohmann::json& j, const std::string& source = "<json>");
  static BertConfig from_file(const std::string& path);

  // raw with vocab_size set to the current value; every key of a config built in code is written.
  nlohmann::json to_json() const;
};

}  // namespace gtrain
