// Typed reads of the fields of a config.json (DeBERTa's, GLiNER2's), with errors that name the
// file and the field: "DeBERTa config dir/config.json: field 'hidden_size': expected an integer".
// A missing or null field gives the default, as in Hugging Face's PretrainedConfig.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace gtrain {

// Parses the JSON file at path. Errors name what it is and where: "<kind> <path>: cannot open" or
// "<kind> <path>: invalid JSON: ...".
nlohmann::json read_json_file(const std::string& path, const std::string& kind);
// Writes j pretty-printed (indent 2) with a trailing newline, atomically (io/atomic_file.h).
void write_json_file(const std::string& path, const nlohmann::json& j);

class JsonFields {
 public:
  // kind: what the object is ("DeBERTa config"); src: where it came from (a path, or "<json>").
  JsonFields(const nlohmann::json& j, std::string kind, std::string src)
      : j_(j), kind_(std::move(kind)), src_(std::move(src)) {}

  [[noreturn]] void fail(const std::string& key, const std::string& what) const;
  // Throws "<kind> <src>: not a JSON object" unless the JSON is an object.
  void require_object() const;
  // The model_type field (def when missing) of a JSON object (require_object first); fails unless
  // it equals expected, with 'expected "<expected>" (<what>), got "<value>"'.
  std::string require_model_type(const std::string& def, const std::string& expected,
                                 const std::string& what) const;
  // The opening of a config's from_json: a default Config with raw = the JSON and model_type
  // checked as require_model_type does (the default model_type is the Config's own).
  template <class Config>
  Config open_config(const std::string& expected, const std::string& what) const {
    Config c;
    c.raw = j_;
    c.model_type = require_model_type(c.model_type, expected, what);
    return c;
  }

  int64_t get_int(const std::string& key, int64_t def) const;  // also 12.0, not 12.5
  std::optional<int64_t> get_opt_int(const std::string& key) const;
  double get_num(const std::string& key, double def) const;
  bool get_bool(const std::string& key, bool def) const;  // also 0/1 (Python truthiness)
  std::string get_str(const std::string& key, const std::string& def) const;

 private:
  const nlohmann::json* value(const std::string& key) const;  // null when missing or null

  const nlohmann::json& j_;
  std::string kind_, src_;
};

}  // namespace gtrain
