// Strict YAML access: unknown keys and wrong types are errors naming the file, line and key.
#pragma once
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace gtrain {

// "where.key", or "key" at the top level: the field a message names.
std::string field_path(const std::string& where, const std::string& key);

// Every key and scalar of the tree must be valid UTF-8 (a config is written back as UTF-8 YAML,
// so raw bytes would come back as another value), and no mapping may give a key twice; throws
// InputError naming line and key path. Also refuses trees of more than 100000 nodes with aliases
// expanded, or nested > 100 deep. load_yaml_file checks every file it reads.
void check_yaml_tree(const YAML::Node& root, const std::string& file, const std::string& where);

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
bool get_bool(const YAML::Node& node, const std::string& key, const std::string& file,
              const std::string& where, bool fallback);
// Lists: a missing or null key gives the fallback; a present key must be a sequence of scalars
// (an empty sequence `[]` gives an empty vector: callers decide whether that is allowed).
std::vector<std::string> get_string_list(const YAML::Node& node, const std::string& key,
                                         const std::string& file, const std::string& where,
                                         const std::vector<std::string>& fallback);
std::vector<double> get_double_list(const YAML::Node& node, const std::string& key,
                                    const std::string& file, const std::string& where,
                                    const std::vector<double>& fallback);

// 1-based line of a node (0 when it has none, e.g. a node built in memory by an override).
long yaml_line(const YAML::Node& node);

YAML::Node load_yaml_file(const std::string& path);  // InputError on missing file or syntax error

}  // namespace gtrain
