#include "config/prepare_config.h"

#include <filesystem>

#include "config/yaml_check.h"
#include "io/input_error.h"

namespace gtrain {

namespace {
// Relative paths in a config are relative to the config file's folder.
std::string resolve(const std::string& base_dir, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (std::filesystem::path(base_dir) / p).lexically_normal().string();
}
}  // namespace

const std::vector<std::string>& prepare_config_keys() {
  static const std::vector<std::string> k = {
      "inputs", "tokenizer", "unit_mode", "max_length", "overflow", "window_stride",
      "max_span_width", "labels", "split", "output", "on_error", "add_gliner2_tokens",
      "unmatched_mentions", "mention_matching"};
  return k;
}

const std::vector<std::string>& prepare_split_keys() {
  static const std::vector<std::string> k = {"dev", "test", "seed"};
  return k;
}

PrepareConfig load_prepare_config(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  const std::string dir = std::filesystem::path(path).parent_path().string();
  return parse_prepare_config(root, path, dir, "", true);
}

PrepareConfig parse_prepare_config(const YAML::Node& root, const std::string& path,
                                   const std::string& dir, const std::string& where,
                                   bool require_output) {
  // Field name of `key` inside this section.
  auto field = [&](const std::string& key) { return where.empty() ? key : where + "." + key; };
  check_keys(root, prepare_config_keys(), path, where);
  check_utf8_tree(root, path, where);
  PrepareConfig c;
  c.tokenizer = resolve(dir, get_string(root, "tokenizer", path, where, "", true));
  const std::string mode = get_string(root, "unit_mode", path, where, "morph");
  try {
    c.unit_mode = parse_unit_mode(mode);
  } catch (const std::exception& e) {
    throw InputError(path, yaml_line(root["unit_mode"]), field("unit_mode"), e.what());
  }
  c.max_length = static_cast<int>(get_int(root, "max_length", path, where, c.max_length));
  c.overflow = get_string(root, "overflow", path, where, c.overflow);
  if (c.overflow != "window" && c.overflow != "truncate")
    throw InputError(path, yaml_line(root["overflow"]), field("overflow"),
                     "must be 'window' or 'truncate', got '" + c.overflow + "'");
  c.window_stride = static_cast<int>(get_int(root, "window_stride", path, where, c.window_stride));
  c.max_span_width = static_cast<int>(get_int(root, "max_span_width", path, where, c.max_span_width));
  c.output_dir = resolve(dir, get_string(root, "output", path, where, "", require_output));
  const std::string on_error = get_string(root, "on_error", path, where, "fail");
  if (on_error != "fail" && on_error != "skip")
    throw InputError(path, yaml_line(root["on_error"]), field("on_error"), "must be 'fail' or 'skip'");
  c.on_error = on_error == "skip" ? OnError::Skip : OnError::Fail;
  c.add_gliner2_tokens = get_bool(root, "add_gliner2_tokens", path, where, c.add_gliner2_tokens);
  const std::string unmatched = get_string(root, "unmatched_mentions", path, where, "drop");
  try {
    c.unmatched = parse_unmatched_policy(unmatched);
  } catch (const std::exception& e) {
    throw InputError(path, yaml_line(root["unmatched_mentions"]), field("unmatched_mentions"), e.what());
  }
  if (const YAML::Node mm = root["mention_matching"]) {
    const std::string mm_where = field("mention_matching");
    check_keys(mm, {"case_insensitive", "unicode", "whitespace"}, path, mm_where);
    c.matching.case_insensitive = get_bool(mm, "case_insensitive", path, mm_where, c.matching.case_insensitive);
    c.matching.whitespace = get_bool(mm, "whitespace", path, mm_where, c.matching.whitespace);
    const std::string form = get_string(mm, "unicode", path, mm_where, "none");
    try {
      c.matching.unicode = parse_unicode_form(form);
    } catch (const std::exception& e) {
      throw InputError(path, yaml_line(mm["unicode"]), mm_where + ".unicode", e.what());
    }
  }

  const YAML::Node inputs = root["inputs"];
  if (!inputs || !inputs.IsSequence() || inputs.size() == 0)
    throw InputError(path, inputs ? yaml_line(inputs) : 0, field("inputs"), "needs a list of input files");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string in_where = field("inputs[" + std::to_string(i) + "]");
    const YAML::Node n = inputs[i];
    check_keys(n, {"path", "format", "name", "weight", "tag", "split"}, path, in_where);
    PrepareInput in;
    in.path = resolve(dir, get_string(n, "path", path, in_where, "", true));
    in.format = get_string(n, "format", path, in_where, "");
    in.name = get_string(n, "name", path, in_where, "");
    in.weight = static_cast<float>(get_double(n, "weight", path, in_where, 1.0));
    const std::string tag = get_string(n, "tag", path, in_where, "gold");
    if (tag != "gold" && tag != "silver")
      throw InputError(path, yaml_line(n["tag"]), in_where + ".tag", "must be 'gold' or 'silver'");
    in.silver = tag == "silver";
    in.split = get_string(n, "split", path, in_where, "");
    c.inputs.push_back(in);
  }
  if (const YAML::Node labels = root["labels"]) {
    if (!labels.IsSequence() || labels.size() == 0)
      throw InputError(path, yaml_line(labels), field("labels"), "must be a non-empty list (or left out)");
    for (size_t i = 0; i < labels.size(); ++i) {
      const std::string l_where = field("labels[" + std::to_string(i) + "]");
      if (labels[i].IsScalar()) {
        c.labels.push_back(SchemaLabel{labels[i].as<std::string>(), ""});
        continue;
      }
      check_keys(labels[i], {"name", "description"}, path, l_where);
      c.labels.push_back(SchemaLabel{get_string(labels[i], "name", path, l_where, "", true),
                                     get_string(labels[i], "description", path, l_where, "")});
    }
  }
  if (const YAML::Node split = root["split"]) {
    const std::string s_where = field("split");
    check_keys(split, prepare_split_keys(), path, s_where);
    c.dev_fraction = get_double(split, "dev", path, s_where, 0.0);
    c.test_fraction = get_double(split, "test", path, s_where, 0.0);
    c.split_seed = static_cast<uint64_t>(get_int(split, "seed", path, s_where, 42));
    if (c.dev_fraction < 0 || c.test_fraction < 0 || c.dev_fraction + c.test_fraction >= 1)
      throw InputError(path, yaml_line(split), s_where, "dev + test fractions must be in [0, 1)");
  }
  return c;
}

}  // namespace gtrain
