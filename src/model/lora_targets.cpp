#include "model/lora_targets.h"

#include "text/strings.h"

namespace gtrain {

const std::vector<std::string> kLoraEncoderPatterns{"query", "key", "value", "dense"};

std::string local_name(const std::string& full) {
  const size_t dot = full.rfind('.');
  return dot == std::string::npos ? full : full.substr(dot + 1);
}

namespace {

bool target_matches(const std::string& full, const std::string& local, const std::string& t) {
  static const std::string kEnc = "encoder.";
  if (t == "encoder") {
    if (!starts_with(full, kEnc)) return false;
    for (const auto& p : kLoraEncoderPatterns)
      if (local.find(p) != std::string::npos) return true;
    return false;
  }
  if (starts_with(t, kEnc)) return starts_with(full, kEnc) && local.find(t.substr(kEnc.size())) != std::string::npos;
  if (t.empty()) return false;
  return full == t || starts_with(full, t + ".");
}

}  // namespace

bool lora_target_matches(const std::string& full_name, const std::vector<std::string>& targets) {
  // Multi-head attention's out_proj is applied as F.linear(x, out_proj.weight) in PyTorch, so an
  // adapter there would never act (and never train) in GLiNER2; gtrain leaves it out.
  if (ends_with(full_name, "self_attn.out_proj")) return false;
  const std::string local = local_name(full_name);
  for (const auto& t : targets)
    if (target_matches(full_name, local, t)) return true;
  return false;
}

}  // namespace gtrain
