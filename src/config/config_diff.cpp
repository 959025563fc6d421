#include "config/config_diff.h"

#include <yaml-cpp/yaml.h>

#include <set>

namespace gtrain {

namespace {

std::string text_of(const YAML::Node& n, bool present) {
  if (!present || !n.IsDefined()) return "(absent)";
  if (n.IsScalar()) return n.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

// b_present false: the key is only `before`'s (a default-constructed node reads as null, not absent).
void diff(const YAML::Node& a, const YAML::Node& b, const std::string& path, std::vector<YamlChange>* out,
          bool b_present = true) {
  if (b_present && a.IsDefined() && b.IsDefined() && a.IsMap() && b.IsMap()) {
    std::set<std::string> seen;
    for (const auto& kv : b) {
      const std::string k = kv.first.as<std::string>();
      seen.insert(k);
      diff(a[k], kv.second, path.empty() ? k : path + "." + k, out);
    }
    for (const auto& kv : a) {
      const std::string k = kv.first.as<std::string>();
      if (!seen.count(k)) diff(kv.second, YAML::Node(), path.empty() ? k : path + "." + k, out, false);
    }
    return;
  }
  const std::string ta = text_of(a, true), tb = text_of(b, b_present);
  if (ta != tb) out->push_back({path.empty() ? "(document)" : path, ta, tb});
}

}  // namespace

std::vector<YamlChange> yaml_changes(const std::string& before, const std::string& after) {
  std::vector<YamlChange> out;
  diff(YAML::Load(before), YAML::Load(after), "", &out);
  return out;
}

std::vector<std::string> yaml_differences(const std::string& before, const std::string& after) {
  std::vector<std::string> out;
  for (const YamlChange& c : yaml_changes(before, after)) out.push_back(c.key + ": " + c.before + " -> " + c.after);
  return out;
}

}  // namespace gtrain
