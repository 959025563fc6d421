#include "model/bert_config.h"

#include <stdexcept>

#include "io/json_fields.h"
#include "model/activation.h"
#include "model/hf_config_json.h"

namespace gtrain {

bool BertConfig::handles(const std::string& t) {
  return t == "bert" || t == "roberta" || t == "electra" || t == "xlm-roberta";
}

BertConfig BertConfig::from_json(const nlohmann::json& j, const std::string& src) {
  const JsonFields f(j, "BERT config", src);
  f.require_object();
  BertConfig c;
  c.raw = j;
  c.model_type = f.get_str("model_type", "");
  if (!handles(c.model_type))
    f.fail("model_type", "expected \"bert\", \"roberta\", \"electra\" or \"xlm-roberta\", got \"" + c.model_type + "\"");
  // Family defaults (transformers' RobertaConfig / XLMRobertaConfig: pad 1; ElectraConfig: a
  // small discriminator) for keys the file leaves out.
  if (c.offset_positions()) c.pad_token_id = 1;
  if (c.model_type == "electra") {
    c.hidden_size = 256, c.num_attention_heads = 4, c.intermediate_size = 1024;
    c.embedding_size = 128;
  }
  c.vocab_size = f.get_int("vocab_size", c.vocab_size);
  c.hidden_size = f.get_int("hidden_size", c.hidden_size);
  c.num_hidden_layers = f.get_int("num_hidden_layers", c.num_hidden_layers);
  c.num_attention_heads = f.get_int("num_attention_heads", c.num_attention_heads);
  c.intermediate_size = f.get_int("intermediate_size", c.intermediate_size);
  c.hidden_act = f.get_str("hidden_act", c.hidden_act);
  c.hidden_dropout_prob = f.get_num("hidden_dropout_prob", c.hidden_dropout_prob);
  c.attention_probs_dropout_prob = f.get_num("attention_probs_dropout_prob", c.attention_probs_dropout_prob);
  c.max_position_embeddings = f.get_int("max_position_embeddings", c.max_position_embeddings);
  c.type_vocab_size = f.get_int("type_vocab_size", c.type_vocab_size);
  c.initializer_range = f.get_num("initializer_range", c.initializer_range);
  c.layer_norm_eps = f.get_num("layer_norm_eps", c.layer_norm_eps);
  c.pad_token_id = f.get_int("pad_token_id", c.pad_token_id);
  c.embedding_size = c.model_type == "electra" ? f.get_int("embedding_size", c.embedding_size) : c.hidden_size;

  if (!enum_from_name(kActivationNames, c.hidden_act))
    f.fail("hidden_act", "unsupported activation \"" + c.hidden_act + "\" (" + activation_names() + ")");
  const std::string pet = f.get_str("position_embedding_type", "absolute");
  if (pet != "absolute")
    f.fail("position_embedding_type", "only \"absolute\" position embeddings are supported, got \"" + pet + "\"");
  if (f.get_bool("is_decoder", false)) f.fail("is_decoder", "decoder models are not encoders");
  if (c.hidden_size <= 0) f.fail("hidden_size", "must be positive");
  if (c.num_hidden_layers < 0) f.fail("num_hidden_layers", "must be >= 0");
  if (c.num_attention_heads <= 0) f.fail("num_attention_heads", "must be positive");
  if (c.hidden_size % c.num_attention_heads != 0)
    f.fail("num_attention_heads", "hidden_size " + std::to_string(c.hidden_size) + " is not a multiple of " +
                                      std::to_string(c.num_attention_heads));
  if (c.intermediate_size <= 0) f.fail("intermediate_size", "must be positive");
  if (c.vocab_size <= 0) f.fail("vocab_size", "must be positive");
  if (c.embedding_size <= 0) f.fail("embedding_size", "must be positive");
  if (c.type_vocab_size < 1) f.fail("type_vocab_size", "must be >= 1");
  if (c.max_position_embeddings <= 0) f.fail("max_position_embeddings", "must be positive");
  if (c.offset_positions() && c.max_position_embeddings <= c.pad_token_id + 1)
    f.fail("max_position_embeddings", "must exceed pad_token_id + 1 (RoBERTa positions start there)");
  if (!(c.layer_norm_eps > 0)) f.fail("layer_norm_eps", "must be positive");
  if (c.hidden_dropout_prob < 0 || c.hidden_dropout_prob >= 1) f.fail("hidden_dropout_prob", "must be in [0, 1)");
  if (c.attention_probs_dropout_prob < 0 || c.attention_probs_dropout_prob >= 1)
    f.fail("attention_probs_dropout_prob", "must be in [0, 1)");
  return c;
}

BertConfig BertConfig::sized(const std::string& model_type, int64_t hidden, int64_t layers, int64_t heads,
                             int64_t intermediate, int64_t vocab, int64_t pad_id) {
  BertConfig c;
  c.model_type = model_type;
  set_encoder_sizes(c, hidden, layers, heads, intermediate, vocab);
  c.pad_token_id = pad_id;
  const bool roberta = c.offset_positions();
  c.type_vocab_size = roberta ? 1 : 2;
  c.max_position_embeddings = roberta ? 512 + pad_id + 1 : 512;  // RoBERTa's positions start after the pad id
  c.layer_norm_eps = roberta ? 1e-5 : 1e-12;
  return from_json(c.to_json(), model_type + " config");
}

BertConfig BertConfig::from_file(const std::string& path) {
  return from_json(read_json_file(path, "BERT config"), path);
}

nlohmann::json BertConfig::to_json() const {
  HfConfigJson out(*this);
  out.put("position_embedding_type", "absolute");
  if (model_type == "electra") out.put("embedding_size", embedding_size);
  return out.j;
}

}  // namespace gtrain
