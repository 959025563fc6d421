// Copying a name -> tensor map into a torch::nn::Module's parameters and buffers.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

namespace gtrain {

struct LoadStateReport {
  std::vector<std::string> loaded;      // module names that were filled
  std::vector<std::string> missing;     // module names with no tensor under prefix + name
  std::vector<std::string> unexpected;  // map keys under prefix that match no module name
};

// For every parameter and buffer `name` of `module`, copies tensors.at(prefix + name) into it
// (without autograd; dtype converted to the parameter's, device kept). Keys that do not start
// with `prefix` are ignored (they belong to other modules). A shape mismatch always throws,
// naming the tensor and both shapes. With strict, missing or unexpected keys throw one error
// listing them all; otherwise they are only reported.
LoadStateReport load_state(torch::nn::Module& module, const std::map<std::string, torch::Tensor>& tensors,
                           const std::string& prefix = "", bool strict = true);

// prefix + name -> tensor for every parameter and buffer (the tensors themselves, not copies).
std::vector<std::pair<std::string, torch::Tensor>> state_dict(const torch::nn::Module& module,
                                                              const std::string& prefix = "");

// "[2, 3]": a tensor shape for error messages.
std::string shape_string(torch::IntArrayRef shape);

}  // namespace gtrain
