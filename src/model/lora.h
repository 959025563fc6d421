// LoRA adapters for gtrain::Linear layers, GLiNER2 1.2.x semantics (gliner2/training/lora.py):
//   y = W x + b + scale * B(A(dropout(x))),  scale = alpha / r,
//   A [r, in] kaiming-uniform(a = sqrt(5)) i.e. U(-1/sqrt(in), 1/sqrt(in)),  B [out, r] zeros.
// The adapter lives on the Linear itself: its parameters are "<module>.lora_A" and
// "<module>.lora_B", which are exactly the tensor names of GLiNER2's adapter_weights.safetensors
// (Python wraps the Linear in a LoRALayer and saves f"{name}.lora_A" with `name` the wrapped
// Linear's path), so adapter files are interchangeable with GLiNER2 1.2.x.
//
// Which Linear layers get adapters: model/lora_targets.h (torch-free; `gtrain plan` counts them too).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/lora_targets.h"

namespace gtrain {

struct LoraConfig {
  int64_t r = 16;
  double alpha = 32.0;
  double dropout = 0.0;  // on the adapter input only, training mode only
  std::vector<std::string> target_modules{"encoder", "span_rep", "classifier", "count_embed", "count_pred"};
  // >= 0: A is drawn from a private CPU generator seeded with this (same draws for the same seed
  // and module set, whatever the global RNG state). < 0: from torch's default generator, exactly
  // torch::nn::init::kaiming_uniform_(A, sqrt(5)) as in Python.
  int64_t seed = -1;

  double scale() const { return alpha / static_cast<double>(r); }
  // r > 0, alpha > 0, 0 <= dropout < 1, at least one target (GLiNER2's LoRAConfig checks).
  // Throws std::invalid_argument.
  void validate() const;
};

// Names (named_modules order) of the gtrain::Linear modules under root that `targets` selects.
// Changes nothing.
std::vector<std::string> lora_target_names(const torch::nn::Module& root, const std::vector<std::string>& targets);

// Attaches a fresh adapter (A random, B zeros, in the base weight's dtype and device) to every
// selected gtrain::Linear, then freezes every other parameter of root (requires_grad false;
// adapters true). Returns the adapted module names. Throws std::runtime_error when nothing is
// selected or a selected Linear already has an adapter, std::invalid_argument on a bad config.
std::vector<std::string> apply_lora(torch::nn::Module& root, const LoraConfig& cfg);

// requires_grad = is_lora_tensor_name(name) for every parameter of root.
void freeze_non_lora_parameters(torch::nn::Module& root);

// True for a parameter name whose last component is "lora_A" or "lora_B".
bool is_lora_tensor_name(const std::string& name);

// Names of the gtrain::Linear modules under root that carry an adapter.
std::vector<std::string> lora_module_names(const torch::nn::Module& root);

// The adapter parameters (lora_A, lora_B of each adapted module, named_parameters order).
std::vector<torch::Tensor> lora_parameters(const torch::nn::Module& root);

// prefix + name -> tensor for the adapter parameters only (the adapter-file contents).
std::vector<std::pair<std::string, torch::Tensor>> lora_state_dict(const torch::nn::Module& root,
                                                                   const std::string& prefix = "");

// gtrain::state_dict without the adapter tensors: with adapters attached, exactly the names the
// model had before apply_lora (the checkpoint's names). Tensors are the base tensors themselves
// (unmerged); call merge_lora first for a merged export.
std::vector<std::pair<std::string, torch::Tensor>> base_state_dict(const torch::nn::Module& root,
                                                                   const std::string& prefix = "");

// W += scale * B A for every adapted Linear, then removes the adapters, so root's state dict is
// plain again (checkpoint names only). Returns the number of merged modules. The merged base
// parameters keep their requires_grad flags (false after apply_lora).
int64_t merge_lora(torch::nn::Module& root);

// Removes every adapter without merging (GLiNER2's unload_lora_adapter). Returns the count.
int64_t remove_lora(torch::nn::Module& root);

// Writes <dir>/adapter_weights.safetensors (every "<module>.lora_A/B", dtype kept) and then
// <dir>/adapter_config.json, each through a temp file + rename; creates dir. The JSON has exactly
// GLiNER2's LoRAAdapterConfig fields: adapter_type "lora", adapter_version "1.0", lora_r,
// lora_alpha, lora_dropout (from cfg), target_modules (sorted top-level names of the adapted
// modules, as GLiNER2 writes them), created_at (UTC ISO-8601 + "Z"). Throws when root has no
// adapter or an adapter's rank / scale disagrees with cfg.
// A trainer's adapter folder also names the base they were trained on, in this file:
// {"path": ..., "model_safetensors_sha256": ...}; export refuses to merge them into another base.
inline constexpr const char* kLoraBaseFile = "base_model.json";
void save_lora_adapters(const torch::nn::Module& root, const std::string& dir, const LoraConfig& cfg);

// Reads a directory written by save_lora_adapters or GLiNER2 1.2.x. Removes existing adapters
// first (GLiNER2's auto_unload), attaches one adapter to each module named in the weights file
// (converted to that Linear's dtype / device; scale = lora_alpha / lora_r, dropout =
// lora_dropout) and freezes everything else. Strict: a name that is not a gtrain::Linear under
// root, an A without its B, or a shape that does not fit throws std::runtime_error before root
// is modified. (GLiNER2 re-applies target_modules and fills what the file has, so for restricted
// targets such as "encoder.query" it would also add fresh B = 0 adapters to the other encoder
// layers; outputs are the same either way.) Returns the file's config (seed -1).
LoraConfig load_lora_adapters(torch::nn::Module& root, const std::string& dir);

}  // namespace gtrain
