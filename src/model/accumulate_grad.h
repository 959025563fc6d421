// Gradient accumulation in place, as Megatron-LM's gradient_accumulation_fusion: on every
// micro-batch after the first, a parameter already has its gradient. torch's way is for the
// backward to make a fresh gradient tensor and for AccumulateGrad to add it into param.grad, one
// more pass over every parameter's gradient (and, for the embedding table, a fresh 393 MB zeroed
// buffer at the `small` shape). A backward that can write its result straight into param.grad (a
// product with beta = 1, an index_add) does that instead and returns no gradient for the input.
// The sum is the same; only the order of the additions differs (within fp32 rounding).
#pragma once
#include <torch/torch.h>

namespace gtrain {

// param.grad() when a backward may add into it, else an undefined tensor: param is a leaf
// requiring gradient, not recording a graph of the backward (create_graph), and its gradient is
// defined, dense, contiguous and of param's shape, dtype and device.
inline torch::Tensor grad_to_accumulate_into(const torch::Tensor& param) {
  if (!param.defined() || !param.is_leaf() || !param.requires_grad() || torch::GradMode::is_enabled()) return {};
  const torch::Tensor& g = param.grad();
  if (!g.defined() || g.layout() != torch::kStrided || !g.is_contiguous() || g.sizes() != param.sizes() ||
      g.scalar_type() != param.scalar_type() || g.device() != param.device())
    return {};
  return g;
}

}  // namespace gtrain
