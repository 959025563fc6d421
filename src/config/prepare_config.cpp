#include "config/prepare_config.h"

#include <filesystem>

#include "config/yaml_check.h"
#include "data/input_error.h"

namespace gtrain {

namespace {
// Relative paths in a config are relative to the config file's folder.
std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}
}  // namespace

PrepareConfig load_prepare_config(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  const std::string dir = std::filesystem::path(path).parent_path().string();
  check_keys(root, {"inputs", "tokenizer", "unit_mode", "max_length", "overflow", "window_stride",
                    "max_span_width", "labels", "split", "output", "on_error", "add_gliner2_tokens"},
             path, "");
  PrepareConfig c;
  c.tokenizer = resolve(dir, get_string(root, "tokenizer", path, "", "", true));
  const std::string mode = get_string(root, "unit_mode", path, "", "morph");
  try {
    c.unit_mode = parse_unit_mode(mode);
  } catch (const std::exception& e) {
    throw InputError(path, root["unit_mode"].Mark().line + 1, "unit_mode", e.what());
  }
  c.max_length = static_cast<int>(get_int(root, "max_length", path, "", c.max_length));
  c.overflow = get_string(root, "overflow", path, "", c.overflow);
  if (c.overflow != "window" && c.overflow != "truncate")
    throw InputError(path, root["overflow"].Mark().line + 1, "overflow",
                     "must be 'window' or 'truncate', got '" + c.overflow + "'");
  c.window_stride = static_cast<int>(get_int(root, "window_stride", path, "", c.window_stride));
  c.max_span_width = static_cast<int>(get_int(root, "max_span_width", path, "", c.max_span_width));
  c.output_dir = resolve(dir, get_string(root, "output", path, "", "", true));
  const std::string on_error = get_string(root, "on_error", path, "", "fail");
  if (on_error != "fail" && on_error != "skip")
    throw InputError(path, root["on_error"].Mark().line + 1, "on_error", "must be 'fail' or 'skip'");
  c.on_error = on_error == "skip" ? OnError::Skip : OnError::Fail;
  if (root["add_gliner2_tokens"]) c.add_gliner2_tokens = root["add_gliner2_tokens"].as<bool>();

  const YAML::Node inputs = root["inputs"];
  if (!inputs || !inputs.IsSequence() || inputs.size() == 0)
    throw InputError(path, inputs ? inputs.Mark().line + 1 : 0, "inputs", "needs a list of input files");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string where = "inputs[" + std::to_string(i) + "]";
    const YAML::Node n = inputs[i];
    check_keys(n, {"path", "format", "name", "weight", "tag", "split"}, path, where);
    PrepareInput in;
    in.path = resolve(dir, get_string(n, "path", path, where, "", true));
    in.format = get_string(n, "format", path, where, "");
    in.name = get_string(n, "name", path, where, "");
    in.weight = static_cast<float>(get_double(n, "weight", path, where, 1.0));
    const std::string tag = get_string(n, "tag", path, where, "gold");
    if (tag != "gold" && tag != "silver")
      throw InputError(path, n["tag"].Mark().line + 1, where + ".tag", "must be 'gold' or 'silver'");
    in.silver = tag == "silver";
    in.split = get_string(n, "split", path, where, "");
    c.inputs.push_back(in);
  }
  if (const YAML::Node labels = root["labels"]) {
    if (!labels.IsSequence() || labels.size() == 0)
      throw InputError(path, labels.Mark().line + 1, "labels", "must be a non-empty list (or left out)");
    for (size_t i = 0; i < labels.size(); ++i) {
      const std::string where = "labels[" + std::to_string(i) + "]";
      if (labels[i].IsScalar()) {
        c.labels.push_back(SchemaLabel{labels[i].as<std::string>(), ""});
        continue;
      }
      check_keys(labels[i], {"name", "description"}, path, where);
      c.labels.push_back(SchemaLabel{get_string(labels[i], "name", path, where, "", true),
                                     get_string(labels[i], "description", path, where, "")});
    }
  }
  if (const YAML::Node split = root["split"]) {
    check_keys(split, {"dev", "test", "seed"}, path, "split");
    c.dev_fraction = get_double(split, "dev", path, "split", 0.0);
    c.test_fraction = get_double(split, "test", path, "split", 0.0);
    c.split_seed = static_cast<uint64_t>(get_int(split, "seed", path, "split", 42));
    if (c.dev_fraction < 0 || c.test_fraction < 0 || c.dev_fraction + c.test_fraction >= 1)
      throw InputError(path, split.Mark().line + 1, "split", "dev + test fractions must be in [0, 1)");
  }
  return c;
}

}  // namespace gtrain
