#include "io/json_fields.h"

#include <cmath>
#include <fstream>
#include <stdexcept>

#include "io/atomic_file.h"

namespace gtrain {

nlohmann::json read_json_file(const std::string& path, const std::string& kind) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(kind + " " + path + ": cannot open");
  try {
    return nlohmann::json::parse(f);
  } catch (const std::exception& e) {
    throw std::runtime_error(kind + " " + path + ": invalid JSON: " + e.what());
  }
}

void write_json_file(const std::string& path, const nlohmann::json& j) { write_text_file_atomic(path, j.dump(2) + "\n"); }

void JsonFields::fail(const std::string& key, const std::string& what) const {
  throw std::runtime_error(kind_ + " " + src_ + ": field '" + key + "': " + what);
}

void JsonFields::require_object() const {
  if (!j_.is_object()) throw std::runtime_error(kind_ + " " + src_ + ": not a JSON object");
}

std::string JsonFields::require_model_type(const std::string& def, const std::string& expected,
                                           const std::string& what) const {
  require_object();
  std::string model_type = get_str("model_type", def);
  if (model_type != expected)
    fail("model_type", "expected \"" + expected + "\" (" + what + "), got \"" + model_type + "\"");
  return model_type;
}

const nlohmann::json* JsonFields::value(const std::string& key) const {
  if (!j_.contains(key) || j_[key].is_null()) return nullptr;
  return &j_[key];
}

std::optional<int64_t> JsonFields::get_opt_int(const std::string& key) const {
  const nlohmann::json* v = value(key);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    const double d = v->get<double>();
    // In range before the cast (casting 1e300 or NaN to int64_t is undefined); 2^63 is exact.
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == std::trunc(d))
      return static_cast<int64_t>(d);
  }
  fail(key, "expected an integer, got " + v->dump());
}

int64_t JsonFields::get_int(const std::string& key, int64_t def) const { return get_opt_int(key).value_or(def); }

double JsonFields::get_num(const std::string& key, double def) const {
  const nlohmann::json* v = value(key);
  if (!v) return def;
  if (v->is_number()) return v->get<double>();
  fail(key, "expected a number, got " + v->dump());
}

bool JsonFields::get_bool(const std::string& key, bool def) const {
  const nlohmann::json* v = value(key);
  if (!v) return def;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_number_integer()) return v->get<int64_t>() != 0;
  fail(key, "expected a boolean, got " + v->dump());
}

std::string JsonFields::get_str(const std::string& key, const std::string& def) const {
  const nlohmann::json* v = value(key);
  if (!v) return def;
  if (v->is_string()) return v->get<std::string>();
  fail(key, "expected a string, got " + v->dump());
}

}  // namespace gtrain
