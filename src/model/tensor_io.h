// safetensors <-> torch::Tensor.
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "io/safetensors.h"

namespace gtrain {

// torch dtype for a safetensors dtype and back (throws std::runtime_error when unsupported).
torch::ScalarType to_torch_dtype(DType d);
DType from_torch_dtype(torch::ScalarType t);

// Reads every tensor of a safetensors file into owned CPU tensors (copies out of the mapping).
// Supports F32/F16/BF16/F64/I64/I32/I16/I8/U8/BOOL. BOOL bytes other than 0/1 are an error.
std::map<std::string, torch::Tensor> load_safetensors(const std::string& path);

// Same, with the "__metadata__" entry.
std::map<std::string, torch::Tensor> load_safetensors(const std::string& path,
                                                      std::map<std::string, std::string>* metadata);

// Writes tensors (any device / layout: copied to contiguous CPU; dtype preserved) atomically;
// see write_safetensors for the file layout.
void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace gtrain
