#include "model/lora.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "io/atomic_file.h"
#include "model/linear.h"
#include "model/state_dict.h"
#include "model/tensor_io.h"
#include "text/strings.h"

namespace gtrain {

namespace {

const char* const kConfigFile = "adapter_config.json";
const char* const kWeightsFile = "adapter_weights.safetensors";



// (name, Linear) for every gtrain::Linear under root, named_modules order (root itself excluded).
std::vector<std::pair<std::string, LinearImpl*>> linears(const torch::nn::Module& root) {
  std::vector<std::pair<std::string, LinearImpl*>> out;
  for (const auto& kv : root.named_modules(/*name_prefix=*/"", /*include_self=*/false))
    if (auto* lin = kv.value()->as<LinearImpl>()) out.emplace_back(kv.key(), lin);
  return out;
}

// Calls f on each Linear under root that holds an adapter; returns how many there were.
template <typename F>
int64_t for_each_adapted_linear(const torch::nn::Module& root, F f) {
  int64_t n = 0;
  for (const auto& kv : linears(root))
    if (kv.second->has_lora()) {
      f(kv.second);
      ++n;
    }
  return n;
}

std::string utc_now_iso() {
  // datetime.utcnow().isoformat() + "Z": YYYY-MM-DDTHH:MM:SS.ffffffZ
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  const auto us =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[96];
  std::snprintf(out, sizeof out, "%s.%06lldZ", buf, static_cast<long long>(us));
  return out;
}

}  // namespace

void LoraConfig::validate() const {
  if (r <= 0) throw std::invalid_argument("LoRA rank must be > 0, got " + std::to_string(r));
  if (!(alpha > 0)) throw std::invalid_argument("LoRA alpha must be > 0, got " + std::to_string(alpha));
  if (!(dropout >= 0 && dropout < 1))
    throw std::invalid_argument("LoRA dropout must be in [0, 1), got " + std::to_string(dropout));
  if (target_modules.empty()) throw std::invalid_argument("LoRA target_modules cannot be empty");
}

std::vector<std::string> lora_target_names(const torch::nn::Module& root, const std::vector<std::string>& targets) {
  std::vector<std::string> out;
  for (const auto& kv : linears(root))
    if (lora_target_matches(kv.first, targets)) out.push_back(kv.first);
  return out;
}

bool is_lora_tensor_name(const std::string& name) {
  const std::string l = local_name(name);
  return l == "lora_A" || l == "lora_B";
}

void freeze_non_lora_parameters(torch::nn::Module& root) {
  for (auto& kv : root.named_parameters(/*recurse=*/true)) kv.value().requires_grad_(is_lora_tensor_name(kv.key()));
}

std::vector<std::string> apply_lora(torch::nn::Module& root, const LoraConfig& cfg) {
  cfg.validate();
  std::vector<std::pair<std::string, LinearImpl*>> selected;
  for (const auto& kv : linears(root))
    if (lora_target_matches(kv.first, cfg.target_modules)) selected.push_back(kv);
  if (selected.empty())
    throw std::runtime_error("apply_lora: target_modules [" + join(cfg.target_modules) +
                             "] select no gtrain::Linear module");
  for (const auto& kv : selected)
    if (kv.second->has_lora())
      throw std::runtime_error("apply_lora: '" + kv.first +
                               "' already has a LoRA adapter (merge_lora or remove_lora first)");

  c10::optional<at::Generator> gen;
  if (cfg.seed >= 0) gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(cfg.seed));

  std::vector<std::string> names;
  for (const auto& kv : selected) {
    LinearImpl& lin = *kv.second;
    torch::Tensor A, B;
    {
      torch::NoGradGuard g;
      // Python: nn.Parameter(torch.zeros(r, in)) (fp32, CPU) + kaiming_uniform_(a=sqrt(5)); the
      // model's .to() moves it afterwards.
      A = torch::empty({cfg.r, lin.in}, torch::kFloat32);
      if (gen) {
        // kaiming_uniform_(a=sqrt(5)) on fan_in = in: gain = sqrt(2 / 6), bound = gain * sqrt(3 / in)
        // = 1 / sqrt(in).
        const double bound = lin.in > 0 ? 1.0 / std::sqrt(static_cast<double>(lin.in)) : 0.0;
        A.uniform_(-bound, bound, *gen);
      } else {
        torch::nn::init::kaiming_uniform_(A, std::sqrt(5.0));
      }
      A = A.to(lin.weight.device(), lin.weight.scalar_type()).detach();
      B = torch::zeros({lin.out, cfg.r},
                       torch::TensorOptions().dtype(lin.weight.scalar_type()).device(lin.weight.device()));
    }
    lin.attach_lora(A, B, cfg.scale(), cfg.dropout);
    names.push_back(kv.first);
  }
  freeze_non_lora_parameters(root);
  return names;
}

std::vector<std::string> lora_module_names(const torch::nn::Module& root) {
  std::vector<std::string> out;
  for (const auto& kv : linears(root))
    if (kv.second->has_lora()) out.push_back(kv.first);
  return out;
}

std::vector<torch::Tensor> lora_parameters(const torch::nn::Module& root) {
  std::vector<torch::Tensor> out;
  for (const auto& kv : root.named_parameters(/*recurse=*/true))
    if (is_lora_tensor_name(kv.key())) out.push_back(kv.value());
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> lora_state_dict(const torch::nn::Module& root,
                                                                   const std::string& prefix) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (const auto& kv : root.named_parameters(/*recurse=*/true))
    if (is_lora_tensor_name(kv.key())) out.emplace_back(prefix + kv.key(), kv.value());
  return out;
}

std::vector<std::pair<std::string, torch::Tensor>> base_state_dict(const torch::nn::Module& root,
                                                                   const std::string& prefix) {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& kv : state_dict(root, prefix))
    if (!is_lora_tensor_name(kv.first)) out.push_back(std::move(kv));
  return out;
}

int64_t merge_lora(torch::nn::Module& root) {
  return for_each_adapted_linear(root, [](LinearImpl* l) { l->merge_lora(); });
}

int64_t remove_lora(torch::nn::Module& root) {
  return for_each_adapted_linear(root, [](LinearImpl* l) { l->detach_lora(); });
}

void save_lora_adapters(const torch::nn::Module& root, const std::string& dir, const LoraConfig& cfg) {
  cfg.validate();
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  std::set<std::string> top;
  for (const auto& kv : linears(root)) {
    const LinearImpl& lin = *kv.second;
    if (!lin.has_lora()) continue;
    if (lin.lora.A.size(0) != cfg.r)
      throw std::runtime_error("save_lora_adapters: '" + kv.first + "' has rank " +
                               std::to_string(lin.lora.A.size(0)) + ", config says r = " + std::to_string(cfg.r));
    if (std::abs(lin.lora.scale - cfg.scale()) > 1e-12 * std::max(1.0, std::abs(cfg.scale())))
      throw std::runtime_error("save_lora_adapters: '" + kv.first + "' has scale " + std::to_string(lin.lora.scale) +
                               ", config alpha / r = " + std::to_string(cfg.scale()));
    tensors.emplace_back(kv.first + ".lora_A", lin.lora.A.detach());
    tensors.emplace_back(kv.first + ".lora_B", lin.lora.B.detach());
    top.insert(kv.first.substr(0, kv.first.find('.')));
  }
  if (tensors.empty()) throw std::runtime_error("save_lora_adapters: no LoRA layers found in the model");

  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("save_lora_adapters: cannot create " + dir + ": " + ec.message());
  const std::filesystem::path d(dir);
  // Weights first: the config file is what marks a directory as an adapter (is_adapter_path).
  save_safetensors((d / kWeightsFile).string(), tensors);

  nlohmann::ordered_json j;
  j["adapter_type"] = "lora";
  j["adapter_version"] = "1.0";
  j["lora_r"] = cfg.r;
  j["lora_alpha"] = cfg.alpha;
  j["lora_dropout"] = cfg.dropout;
  j["target_modules"] = std::vector<std::string>(top.begin(), top.end());
  j["created_at"] = utc_now_iso();
  write_text_file_atomic((d / kConfigFile).string(), j.dump(2) + "\n");
}

LoraConfig load_lora_adapters(torch::nn::Module& root, const std::string& dir) {
  const std::filesystem::path d(dir);
  const std::string cfg_path = (d / kConfigFile).string();
  const std::string w_path = (d / kWeightsFile).string();
  std::ifstream f(cfg_path);
  if (!f) throw std::runtime_error("load_lora_adapters: adapter config not found at " + cfg_path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const std::exception& e) {
    throw std::runtime_error("load_lora_adapters: " + cfg_path + ": invalid JSON: " + e.what());
  }
  if (!j.is_object()) throw std::runtime_error("load_lora_adapters: " + cfg_path + " is not a JSON object");
  if (j.contains("peft_type"))
    throw std::runtime_error("load_lora_adapters: " + cfg_path +
                             " is a PEFT adapter (GLiNER2 >= 1.3.1); only GLiNER2 1.2.x adapters are supported");
  LoraConfig cfg;
  cfg.seed = -1;
  try {
    // GLiNER2's LoRAAdapterConfig defaults for absent keys.
    cfg.r = j.value("lora_r", int64_t{8});
    cfg.alpha = j.value("lora_alpha", 16.0);
    cfg.dropout = j.value("lora_dropout", 0.0);
    cfg.target_modules = j.value("target_modules", std::vector<std::string>{});
  } catch (const std::exception& e) {
    throw std::runtime_error("load_lora_adapters: " + cfg_path + ": bad field: " + e.what());
  }
  if (cfg.r <= 0 || !(cfg.alpha > 0) || !(cfg.dropout >= 0 && cfg.dropout < 1))
    throw std::runtime_error("load_lora_adapters: " + cfg_path + ": invalid lora_r / lora_alpha / lora_dropout");
  if (!std::filesystem::exists(w_path))
    throw std::runtime_error("load_lora_adapters: adapter weights not found at " + w_path);
  std::map<std::string, torch::Tensor> w = load_safetensors(w_path);

  // Group by module and validate everything before touching root.
  std::map<std::string, LinearImpl*> by_name;
  for (const auto& kv : linears(root)) by_name.emplace(kv.first, kv.second);
  struct Pending {
    LinearImpl* lin = nullptr;
    torch::Tensor A, B;
  };
  std::map<std::string, Pending> todo;
  std::vector<std::string> errors;
  for (const auto& kv : w) {
    const bool is_a = ends_with(kv.first, ".lora_A"), is_b = ends_with(kv.first, ".lora_B");
    if (!is_a && !is_b) {
      errors.push_back("'" + kv.first + "' is not a <module>.lora_A / .lora_B tensor");
      continue;
    }
    const std::string mod = kv.first.substr(0, kv.first.size() - 7);
    auto it = by_name.find(mod);
    if (it == by_name.end()) {
      errors.push_back("'" + kv.first + "': the model has no gtrain::Linear named '" + mod + "'");
      continue;
    }
    Pending& p = todo[mod];
    p.lin = it->second;
    (is_a ? p.A : p.B) = kv.second;
  }
  for (const auto& kv : todo) {
    const Pending& p = kv.second;
    if (!p.A.defined() || !p.B.defined()) {
      errors.push_back("'" + kv.first + "' has only " + (p.A.defined() ? "lora_A" : "lora_B"));
      continue;
    }
    const std::vector<int64_t> wa{cfg.r, p.lin->in}, wb{p.lin->out, cfg.r};
    if (p.A.sizes() != torch::IntArrayRef(wa) || p.B.sizes() != torch::IntArrayRef(wb))
      errors.push_back("'" + kv.first + "': lora_A " + shape_string(p.A.sizes()) + " / lora_B " +
                       shape_string(p.B.sizes()) + ", expected " + shape_string(wa) + " / " + shape_string(wb) +
                       " (lora_r " + std::to_string(cfg.r) + ")");
    else if (!p.A.is_floating_point() || !p.B.is_floating_point())
      errors.push_back("'" + kv.first + "': adapter tensors must be floating point");
  }
  if (todo.empty() && errors.empty()) errors.push_back("the weights file holds no adapter");
  if (!errors.empty()) {
    std::string msg = "load_lora_adapters: " + w_path + ":";
    for (size_t i = 0; i < errors.size() && i < 20; ++i) msg += " " + errors[i] + ";";
    if (errors.size() > 20) msg += " ... (" + std::to_string(errors.size() - 20) + " more)";
    throw std::runtime_error(msg);
  }

  remove_lora(root);
  for (auto& kv : todo) {
    LinearImpl& lin = *kv.second.lin;
    torch::Tensor A, B;
    {
      torch::NoGradGuard g;
      A = kv.second.A.to(lin.weight.device(), lin.weight.scalar_type()).contiguous().clone().detach();
      B = kv.second.B.to(lin.weight.device(), lin.weight.scalar_type()).contiguous().clone().detach();
    }
    lin.attach_lora(A, B, cfg.scale(), cfg.dropout);
  }
  freeze_non_lora_parameters(root);
  return cfg;
}

}  // namespace gtrain
