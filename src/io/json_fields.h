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
