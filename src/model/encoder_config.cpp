#include "model/encoder_config.h"


#include "io/json_fields.h"
#include <stdexcept>

namespace gtrain {

void EncoderConfig::set_dropout(double p) {
  if (is_deberta()) deberta.hidden_dropout_prob = deberta.attention_probs_dropout_prob = p;
  else bert.hidden_dropout_prob = bert.attention_probs_dropout_prob = p;
  // to_json writes the file as read: the override must be in it too, or best/ and exports would
  // reload with the old rate.
  nlohmann::json& raw = is_deberta() ? deberta.raw : bert.raw;
  if (raw.is_object()) raw["hidden_dropout_prob"] = raw["attention_probs_dropout_prob"] = p;
}

int64_t EncoderConfig::max_sequence_tokens() const {
  if (is_deberta()) return deberta.position_biased_input ? deberta.max_position_embeddings : -1;
  return bert.max_position_embeddings - (bert.offset_positions() ? bert.pad_token_id + 1 : 0);
}

EncoderConfig EncoderConfig::from_json(const nlohmann::json& j, const std::string& src) {
  if (!j.is_object()) throw std::runtime_error("encoder config " + src + ": not a JSON object");
  const std::string type = j.contains("model_type") && j["model_type"].is_string() ? j["model_type"].get<std::string>()
                                                                                   : "";
  if (type == "deberta-v2") return DebertaV2Config::from_json(j, src);
  if (BertConfig::handles(type)) return BertConfig::from_json(j, src);
  throw std::runtime_error("encoder config " + src + ": field 'model_type': " +
                           (type.empty() ? std::string("missing") : "\"" + type + "\"") +
                           "; gtrain implements deberta-v2 (DeBERTa-v2/v3), bert, roberta, electra and xlm-roberta");
}

EncoderConfig EncoderConfig::from_file(const std::string& path) {
  return from_json(read_json_file(path, "encoder config"), path);
}

void EncoderConfig::save(const std::string& path) const { write_json_file(path, to_json()); }

}  // namespace gtrain
