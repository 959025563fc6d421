// The most negative finite value of a floating dtype (torch.finfo(dtype).min), as Hugging Face
// uses it to mask attention scores.
#pragma once
#include <torch/torch.h>

#include <limits>

namespace gtrain {

inline double lowest_value(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat64: return std::numeric_limits<double>::lowest();
    case torch::kFloat16: return -65504.0;
    case torch::kBFloat16: return -3.3895313892515355e38;
    default: return static_cast<double>(std::numeric_limits<float>::lowest());
  }
}

}  // namespace gtrain
