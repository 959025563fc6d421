// Fuzz target: the YAML configs (src/config: train_config.cpp, prepare_config.cpp, yaml_check.cpp;
// yaml-cpp underneath). The input is a config file's text; leading lines "#set KEY=VALUE" (YAML
// comments) are also applied as `--set` overrides first. The same tree is parsed as a training
// config and as a `gtrain prepare` config (file checks off: nothing needs to exist).
// Round trip, as documented in train_config.h: a config that parses must come back equal from
// its resolved YAML (train_config_to_yaml -> parse_train_config).
// A string that is not valid UTF-8 used to be accepted as raw bytes and written back as U+FFFD
// (another path); the parsers now refuse it (check_yaml_tree), so every tree that parses is
// round-tripped (corpus/train_config/non_utf8_path.yaml is the reproducer).
#include <cstdlib>

#include <yaml-cpp/yaml.h>

#include "config/prepare_config.h"
#include "config/train_config.h"
#include "io/input_error.h"
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> overrides;
  for (size_t pos = 0; text.compare(pos, 5, "#set ") == 0;) {
    const size_t nl = text.find('\n', pos);
    overrides.push_back(text.substr(pos + 5, nl == std::string::npos ? std::string::npos : nl - pos - 5));
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception&) {
    return 0;
  }
  try {
    const gtrain::PrepareConfig p = gtrain::parse_prepare_config(root, "fuzz.yaml", "/fuzz/base", "", true);
    fuzz_check(!p.inputs.empty());
  } catch (const gtrain::InputError&) {
  } catch (const std::exception& e) {
    gtrain_fuzz::note_exception("parse_prepare_config", e);
  }
  gtrain::TrainConfig cfg;
  try {
    for (const std::string& o : overrides) gtrain::apply_override(root, o);
    cfg = gtrain::parse_train_config(root, "fuzz.yaml", "/fuzz/base", /*check_files=*/false);
  } catch (const gtrain::InputError&) {
    return 0;
  } catch (const std::exception& e) {
    gtrain_fuzz::note_exception("parse_train_config", e);
    return 0;
  }
  const std::string resolved = gtrain::train_config_to_yaml(cfg);
  gtrain::TrainConfig again;
  try {
    again = gtrain::parse_train_config(YAML::Load(resolved), "resolved.yaml", "/elsewhere", false);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "the resolved config does not load again: %s\n--- resolved:\n%s\n", e.what(),
                 resolved.c_str());
    fuzz_check(false);
  }
  if (again != cfg) std::fprintf(stderr, "--- resolved:\n%s\n", resolved.c_str());
  fuzz_check(again == cfg);
  return 0;
}
