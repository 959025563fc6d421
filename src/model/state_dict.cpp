#include "model/state_dict.h"

#include <set>
#include <sstream>
#include <stdexcept>

#include "text/strings.h"

namespace gtrain {

std::vector<std::pair<std::string, torch::Tensor>> state_dict(const torch::nn::Module& module,
                                                              const std::string& prefix) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& kv : module.named_parameters(/*recurse=*/true)) out.emplace_back(prefix + kv.key(), kv.value());
  for (const auto& kv : module.named_buffers(/*recurse=*/true)) out.emplace_back(prefix + kv.key(), kv.value());
  return out;
}

LoadStateReport load_state(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& tensors,
                           const std::string& prefix, bool strict) {
  LoadStateReport rep;
  std::set<std::string> wanted;
  std::vector<std::pair<std::string, torch::Tensor>> targets = state_dict(module, "");

  // Check every shape first so that a failing load leaves the module untouched.
  for (const auto& kv : targets) {
    const std::string key = prefix + kv.first;
    wanted.insert(key);
    auto it = tensors.find(key);
    if (it == tensors.end()) {
      rep.missing.push_back(key);
      continue;
    }
    if (!it->second.defined()) throw std::runtime_error("load_state: tensor '" + key + "' is undefined");
    if (it->second.sizes() != kv.second.sizes())
      throw std::runtime_error("load_state: shape mismatch for '" + key + "': checkpoint has " +
                               shape_string(it->second.sizes()) + ", model expects " +
                               shape_string(kv.second.sizes()));
  }
  for (const auto& kv : tensors)
    if (kv.first.compare(0, prefix.size(), prefix) == 0 && !wanted.count(kv.first))
      rep.unexpected.push_back(kv.first);

  if (strict && (!rep.missing.empty() || !rep.unexpected.empty())) {
    std::string msg = "load_state (prefix '" + prefix + "'):";
    if (!rep.missing.empty())
      msg += " missing keys (" + std::to_string(rep.missing.size()) + "): " + join(rep.missing, ", ", 50) + ".";
    if (!rep.unexpected.empty())
      msg += " unexpected keys (" + std::to_string(rep.unexpected.size()) + "): " + join(rep.unexpected, ", ", 50) + ".";
    throw std::runtime_error(msg);
  }

  torch::NoGradGuard no_grad;
  for (auto& kv : targets) {
    const std::string key = prefix + kv.first;
    auto it = tensors.find(key);
    if (it == tensors.end()) continue;
    kv.second.copy_(it->second);
    rep.loaded.push_back(key);
  }
  return rep;
}

std::string shape_string(torch::IntArrayRef s) {
  std::ostringstream o;
  o << "[";
  for (size_t i = 0; i < s.size(); ++i) o << (i ? ", " : "") << s[i];
  o << "]";
  return o.str();
}

}  // namespace gtrain
