#include "model/gliner2_config.h"

#include <fstream>
#include <stdexcept>

namespace gtrain {

namespace {

[[noreturn]] void fail(const std::string& src, const std::string& key, const std::string& what) {
  throw std::runtime_error("GLiNER2 config " + src + ": field '" + key + "': " + what);
}

std::string get_str(const nlohmann::json& j, const std::string& src, const std::string& key,
                    const std::string& def) {
  if (!j.contains(key) || j[key].is_null()) return def;
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  fail(src, key, "expected a string, got " + v.dump());
}

std::optional<int64_t> get_opt_int(const nlohmann::json& j, const std::string& src, const std::string& key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  const auto& v = j[key];
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return static_cast<int64_t>(d);
  }
  fail(src, key, "expected an integer, got " + v.dump());
}

}  // namespace

ExtractorConfig ExtractorConfig::from_json(const nlohmann::json& j, const std::string& src) {
  if (!j.is_object()) throw std::runtime_error("GLiNER2 config " + src + ": not a JSON object");
  ExtractorConfig c;
  c.raw = j;
  c.model_type = get_str(j, src, "model_type", c.model_type);
  if (c.model_type != "extractor")
    fail(src, "model_type", "expected \"extractor\" (a GLiNER2 Extractor checkpoint), got \"" + c.model_type + "\"");
  c.model_name = get_str(j, src, "model_name", c.model_name);
  if (auto w = get_opt_int(j, src, "max_width")) c.max_width = *w;
  if (c.max_width < 1) fail(src, "max_width", "must be >= 1, got " + std::to_string(c.max_width));

  c.counting_layer = get_str(j, src, "counting_layer", c.counting_layer);
  if (c.counting_layer == "count_lstm_moe")
    fail(src, "counting_layer",
         "count_lstm_moe (the mixture-of-experts counting layer of gliner2-large) is not supported; "
         "gtrain implements count_lstm and count_lstm_v2");
  if (c.counting_layer != "count_lstm" && c.counting_layer != "count_lstm_v2")
    fail(src, "counting_layer",
         "unknown value \"" + c.counting_layer + "\" (supported: count_lstm, count_lstm_v2)");

  c.token_pooling = get_str(j, src, "token_pooling", c.token_pooling);
  if (c.token_pooling != "first")
    fail(src, "token_pooling",
         "\"" + c.token_pooling + "\" is not supported; gtrain only implements \"first\" (first-subword pooling, "
         "what every released GLiNER2 checkpoint uses)");

  c.max_len = get_opt_int(j, src, "max_len");
  if (c.max_len && *c.max_len < 1) fail(src, "max_len", "must be >= 1 or null, got " + std::to_string(*c.max_len));
  return c;
}

ExtractorConfig ExtractorConfig::from_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error("GLiNER2 config " + path + ": cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const std::exception& e) {
    throw std::runtime_error("GLiNER2 config " + path + ": invalid JSON: " + e.what());
  }
  return from_json(j, path);
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

void ExtractorConfig::save(const std::string& path) const {
  std::ofstream f(path);
  if (!f) throw std::runtime_error("GLiNER2 config " + path + ": cannot write");
  f << to_json().dump(2) << "\n";
  if (!f) throw std::runtime_error("GLiNER2 config " + path + ": write failed");
}

}  // namespace gtrain
