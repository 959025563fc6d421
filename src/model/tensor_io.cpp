#include "model/tensor_io.h"

#include <cstring>
#include <stdexcept>

namespace gtrain {

torch::ScalarType to_torch_dtype(DType d) {
  switch (d) {
    case DType::F32: return torch::kFloat32;
    case DType::F16: return torch::kFloat16;
    case DType::BF16: return torch::kBFloat16;
    case DType::F64: return torch::kFloat64;
    case DType::I64: return torch::kInt64;
    case DType::I32: return torch::kInt32;
    case DType::I16: return torch::kInt16;
    case DType::I8: return torch::kInt8;
    case DType::U8: return torch::kUInt8;
    case DType::BOOL: return torch::kBool;
  }
  throw std::runtime_error("unsupported safetensors dtype");
}

DType from_torch_dtype(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32: return DType::F32;
    case torch::kFloat16: return DType::F16;
    case torch::kBFloat16: return DType::BF16;
    case torch::kFloat64: return DType::F64;
    case torch::kInt64: return DType::I64;
    case torch::kInt32: return DType::I32;
    case torch::kInt16: return DType::I16;
    case torch::kInt8: return DType::I8;
    case torch::kUInt8: return DType::U8;
    case torch::kBool: return DType::BOOL;
    default: break;
  }
  throw std::runtime_error(std::string("cannot store torch dtype ") + c10::toString(t) +
                           " in safetensors");
}

std::map<std::string, torch::Tensor> load_safetensors(const std::string& path,
                                                      std::map<std::string, std::string>* metadata) {
  SafetensorsFile f(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& t : f.tensors()) {
    torch::Tensor x = torch::empty(t.shape, torch::TensorOptions().dtype(to_torch_dtype(t.dtype)));
    const size_t nb = t.nbytes();
    if (nb) std::memcpy(x.data_ptr(), f.data(t), nb);
    if (t.dtype == DType::BOOL) {
      const uint8_t* p = static_cast<const uint8_t*>(f.data(t));
      for (size_t i = 0; i < nb; ++i)
        if (p[i] > 1)
          throw std::runtime_error("safetensors " + path + ": tensor '" + t.name +
                                   "': BOOL byte value " + std::to_string(p[i]) + " is not 0 or 1");
    }
    out.emplace(t.name, std::move(x));
  }
  if (metadata) *metadata = f.metadata();
  return out;
}

std::map<std::string, torch::Tensor> load_safetensors(const std::string& path) {
  return load_safetensors(path, nullptr);
}

void save_safetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  std::vector<torch::Tensor> keep;
  std::vector<TensorView> views;
  keep.reserve(tensors.size());
  views.reserve(tensors.size());
  for (const auto& kv : tensors) {
    if (!kv.second.defined())
      throw std::runtime_error("save_safetensors " + path + ": tensor '" + kv.first + "' is undefined");
    torch::Tensor c = kv.second.detach().to(torch::kCPU).contiguous();
    TensorView v;
    v.name = kv.first;
    try {
      v.dtype = from_torch_dtype(c.scalar_type());
    } catch (const std::exception& e) {
      throw std::runtime_error("save_safetensors " + path + ": tensor '" + kv.first + "': " + e.what());
    }
    v.shape.assign(c.sizes().begin(), c.sizes().end());
    v.data = c.numel() ? c.data_ptr() : nullptr;
    keep.push_back(std::move(c));
    views.push_back(std::move(v));
  }
  write_safetensors(path, views, metadata);
}

}  // namespace gtrain
