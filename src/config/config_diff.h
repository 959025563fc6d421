// What differs between two YAML documents, key by key, e.g. "optim.encoder_lr: 2.0e-05 -> 0.01".
// Used when a run resumes with a config other than the one it was started with (its saved
// config.yaml), so the change is said rather than taken unsaid.
#pragma once
#include <string>
#include <vector>

namespace gtrain {

// One changed key: its dotted path and both values as YAML text ("(absent)" on the side without it).
struct YamlChange {
  std::string key, before, after;
};

// Mappings are walked key by key (in `after`'s order, then keys only `before` has); any other
// node is compared by its flow-style YAML text. A key missing on one side reads "(absent)".
// Throws YAML::Exception on text that is not YAML.
std::vector<YamlChange> yaml_changes(const std::string& before, const std::string& after);
// The same as "key: before -> after" lines.
std::vector<std::string> yaml_differences(const std::string& before, const std::string& after);

}  // namespace gtrain
