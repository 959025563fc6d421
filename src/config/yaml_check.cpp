#include "config/yaml_check.h"

#include <map>

#include <algorithm>

#include "io/input_error.h"
#include "text/utf8.h"

namespace gtrain {

namespace {
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j)
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

long line_of(const YAML::Node& n) {
  if (!n.IsDefined()) return 0;  // a missing key (yaml-cpp's zombie node has no mark)
  return n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
}


// The value v as a T; one yaml-cpp cannot convert is an InputError "expected <what>, got '...'".
template <typename T>
T scalar_as(const YAML::Node& v, const std::string& file, const std::string& path, const char* what) {
  try {
    return v.as<T>();
  } catch (const YAML::Exception&) {
    throw InputError(file, line_of(v), path,
                     std::string("expected ") + what + ", got '" + (v.IsScalar() ? v.Scalar() : "<non-scalar>") + "'");
  }
}

// node[key] as a T (scalar_as), or fallback when the key is missing or null.
template <typename T>
T get_scalar(const YAML::Node& node, const std::string& key, const std::string& file, const std::string& where,
             T fallback, const char* what) {
  const YAML::Node v = node[key];
  if (!v || v.IsNull()) return fallback;
  return scalar_as<T>(v, file, field_path(where, key), what);
}
}  // namespace

std::string field_path(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

namespace {
void check_yaml_node(const YAML::Node& n, const std::string& file, const std::string& path, int depth, long* budget) {
  if (--*budget < 0)
    throw InputError(file, line_of(n), path, "the config has more than 100000 values (aliases expanded); refusing it");
  if (depth > 100) throw InputError(file, line_of(n), path, "the config nests more than 100 levels deep");
  size_t bad = 0;
  switch (n.Type()) {
    case YAML::NodeType::Scalar:
      if (!utf8::valid(n.Scalar(), &bad))
        throw InputError(file, line_of(n), path,
                         "not valid UTF-8 (byte " + std::to_string(bad) +
                             "); save the file as UTF-8 (a path in another encoding would be written back differently)");
      break;
    case YAML::NodeType::Sequence:
      for (size_t i = 0; i < n.size(); ++i)
        check_yaml_node(n[i], file, path + "[" + std::to_string(i) + "]", depth + 1, budget);
      break;
    case YAML::NodeType::Map: {
      // A key given twice: yaml-cpp keeps both, and node[key] reads the first, so the second (often
      // the one meant, appended later) would be dropped without a word.
      std::map<std::string, long> first_line;
      for (const auto& kv : n) {
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
        if (!utf8::valid(key, &bad))
          throw InputError(file, line_of(kv.first), path, "a key is not valid UTF-8 (byte " + std::to_string(bad) + ")");
        if (kv.first.IsScalar()) {
          const auto [it, fresh] = first_line.emplace(key, line_of(kv.first));
          if (!fresh)
            throw InputError(file, line_of(kv.first), field_path(path, key),
                             "given twice (first at line " + std::to_string(it->second) +
                                 "); YAML would keep the first and drop this one: remove one");
        }
        check_yaml_node(kv.first, file, field_path(path, key), depth + 1, budget);
        check_yaml_node(kv.second, file, field_path(path, key), depth + 1, budget);
      }
      break;
    }
    default:
      break;
  }
}
}  // namespace

void check_yaml_tree(const YAML::Node& root, const std::string& file, const std::string& where) {
  long budget = 100000;
  check_yaml_node(root, file, where, 0, &budget);
}

std::string closest_name(const std::string& key, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_d = key.size() / 2 + 2;
  for (const auto& c : candidates) {
    size_t d = edit_distance(key, c);
    if (d < best_d) { best_d = d; best = c; }
  }
  return best;
}

void check_keys(const YAML::Node& node, const std::vector<std::string>& allowed,
                const std::string& file, const std::string& where) {
  if (!node) return;
  if (!node.IsMap())
    throw InputError(file, line_of(node), where, "expected a mapping of keys");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string hint = closest_name(key, allowed);
    std::string msg = "unknown key '" + key + "'";
    msg += hint.empty() ? "" : " (did you mean '" + hint + "'?)";
    std::string valid;
    for (const auto& a : allowed) valid += (valid.empty() ? "" : ", ") + a;
    throw InputError(file, line_of(kv.first), field_path(where, key), msg + "; valid keys: " + valid);
  }
}

std::string get_string(const YAML::Node& node, const std::string& key, const std::string& file,
                       const std::string& where, const std::string& fallback, bool required) {
  const YAML::Node v = node[key];
  if (!v || v.IsNull()) {
    if (required) throw InputError(file, line_of(node), field_path(where, key), "is required");
    return fallback;
  }
  if (!v.IsScalar()) throw InputError(file, line_of(v), field_path(where, key), "expected a string");
  return v.as<std::string>();
}

double get_double(const YAML::Node& node, const std::string& key, const std::string& file,
                  const std::string& where, double fallback) {
  return get_scalar<double>(node, key, file, where, fallback, "a number");
}

long get_int(const YAML::Node& node, const std::string& key, const std::string& file,
             const std::string& where, long fallback) {
  return get_scalar<long>(node, key, file, where, fallback, "an integer");
}

bool get_bool(const YAML::Node& node, const std::string& key, const std::string& file,
              const std::string& where, bool fallback) {
  return get_scalar<bool>(node, key, file, where, fallback, "true or false");
}

std::vector<std::string> get_string_list(const YAML::Node& node, const std::string& key,
                                         const std::string& file, const std::string& where,
                                         const std::vector<std::string>& fallback) {
  const YAML::Node v = node[key];
  if (!v || v.IsNull()) return fallback;
  if (!v.IsSequence())
    throw InputError(file, line_of(v), field_path(where, key), "expected a list of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].IsScalar())
      throw InputError(file, line_of(v[i]), field_path(where, key) + "[" + std::to_string(i) + "]",
                       "expected a string");
    out.push_back(v[i].Scalar());
  }
  return out;
}

std::vector<double> get_double_list(const YAML::Node& node, const std::string& key,
                                    const std::string& file, const std::string& where,
                                    const std::vector<double>& fallback) {
  const YAML::Node v = node[key];
  if (!v || v.IsNull()) return fallback;
  if (!v.IsSequence())
    throw InputError(file, line_of(v), field_path(where, key), "expected a list of numbers");
  std::vector<double> out;
  for (size_t i = 0; i < v.size(); ++i)
    out.push_back(scalar_as<double>(v[i], file, field_path(where, key) + "[" + std::to_string(i) + "]", "a number"));
  return out;
}

long yaml_line(const YAML::Node& node) { return line_of(node); }

YAML::Node load_yaml_file(const std::string& path) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    check_yaml_tree(root, path, "");
    return root;
  } catch (const YAML::BadFile&) {
    throw InputError(path, 0, "", "cannot open config file");
  } catch (const YAML::ParserException& e) {
    throw InputError(path, e.mark.line + 1, "", "YAML syntax error: " + e.msg);
  }
}

}  // namespace gtrain
