// Strict YAML access: unknown keys and wrong types are errors naming the file, line and key.
#pragma once
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace gtrain {

// Closest candidate by edit distance ("" if none is reasonably close).
std::string closest_name(const std::string& key, const std::vector<std::string>& candidates);

// Throws InputError for the first key of map `node` (at path `where`, e.g. "inputs[2]") that is
// not in `allowed`, suggesting the closest valid one.
void check_keys(const YAML::Node& node, const std::vector<std::string>& allowed,
                const std::string& file, const std::string& where);

// Typed getters: throw InputError naming file, line, key and the expected type.
std::string get_string(const YAML::Node& node, const std::string& key, const std::string& file,
                       const std::string& where, const std::string& fallback, bool required = false);
double get_double(const YAML::Node& node, const std::string& key, const std::string& file,
                  const std::string& where, double fallback);
long get_int(const YAML::Node& node, const std::string& key, const std::string& file,
             const std::string& where, long fallback);

YAML::Node load_yaml_file(const std::string& path);  // InputError on missing file or syntax error

}  // namespace gtrain
