#include "model/gliner2_config.h"

#include <stdexcept>

#include "io/json_fields.h"

namespace gtrain {

ExtractorConfig ExtractorConfig::from_json(const nlohmann::json& j, const std::string& src) {
  const JsonFields f(j, "GLiNER2 config", src);
  ExtractorConfig c = f.open_config<ExtractorConfig>("extractor", "a GLiNER2 Extractor checkpoint");
  c.model_name = f.get_str("model_name", c.model_name);
  if (auto w = f.get_opt_int("max_width")) c.max_width = *w;
  if (c.max_width < 1) f.fail("max_width", "must be >= 1, got " + std::to_string(c.max_width));

  c.counting_layer = f.get_str("counting_layer", c.counting_layer);
  if (c.counting_layer == "count_lstm_moe")
    f.fail("counting_layer",
         "count_lstm_moe (the mixture-of-experts counting layer of gliner2-large) is not supported; "
         "gtrain implements count_lstm and count_lstm_v2");
  if (c.counting_layer != "count_lstm" && c.counting_layer != "count_lstm_v2")
    f.fail("counting_layer",
         "unknown value \"" + c.counting_layer + "\" (supported: count_lstm, count_lstm_v2)");

  c.token_pooling = f.get_str("token_pooling", c.token_pooling);
  if (c.token_pooling != "first")
    f.fail("token_pooling",
         "\"" + c.token_pooling + "\" is not supported; gtrain only implements \"first\" (first-subword pooling, "
         "what every released GLiNER2 checkpoint uses)");

  c.max_len = f.get_opt_int("max_len");
  if (c.max_len && *c.max_len < 1) f.fail("max_len", "must be >= 1 or null, got " + std::to_string(*c.max_len));
  return c;
}

ExtractorConfig ExtractorConfig::from_file(const std::string& path) {
  return from_json(read_json_file(path, "GLiNER2 config"), path);
}

nlohmann::json ExtractorConfig::to_json() const {
  nlohmann::json j = raw.is_object() ? raw : nlohmann::json::object();
  j["model_type"] = model_type;
  j["model_name"] = model_name;
  j["max_width"] = max_width;
  j["counting_layer"] = counting_layer;
  j["token_pooling"] = token_pooling;
  if (max_len) j["max_len"] = *max_len;
  else if (j.contains("max_len")) j["max_len"] = nullptr;
  return j;
}

void ExtractorConfig::save(const std::string& path) const { write_json_file(path, to_json()); }

}  // namespace gtrain
