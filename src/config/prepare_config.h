// Reads a `gtrain prepare` YAML file (reference: docs/data-format.md, "Preparing data").
#pragma once
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "data/prepare.h"

namespace gtrain {

PrepareConfig load_prepare_config(const std::string& path);

// The keys of a prepare config's top level (shared with the inline `data.prepare` section of a
// training config) and of its `split` section.
const std::vector<std::string>& prepare_config_keys();
const std::vector<std::string>& prepare_split_keys();

// Parses a prepare config held in `root`: the whole file (where = "") or the `data.prepare`
// section of a training config (where = "data.prepare", prefixed to every field name in errors).
// Relative paths resolve against base_dir. `output` is required only when require_output is set
// (an inline section defaults to the training config's prepare cache).
PrepareConfig parse_prepare_config(const YAML::Node& root, const std::string& file,
                                   const std::string& base_dir, const std::string& where,
                                   bool require_output = true);

}  // namespace gtrain
