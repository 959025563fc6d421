// Gradient accumulation in place, as Megatron-LM's gradient_accumulation_fusion: on every
// micro-batch after the first, a parameter already has its gradient. torch's way is for the
// backward to make a fresh gradient tensor and for AccumulateGrad to add it into param.grad, one
// more pass over every parameter's gradient (and, for the embedding table, a fresh 393 MB zeroed
// buffer at the `small` shape). A backward that can write its result straight into param.grad (a
// product with beta = 1, an index_add) does that instead and returns no gradient for the input.
// The sum is the same; only the order of the additions differs (within fp32 rounding).
//
// Opt-in: only a backward run inside an InPlaceGradAccumulation scope does it (the trainer's and
// `bench step`'s loss.backward()). Elsewhere a backward may not be accumulating into .grad at all
// (torch::autograd::grad returns the gradients instead), and tensor hooks that change a gradient
// would be skipped. Inside the scope, a parameter's tensor hooks (the data-parallel reducer's)
// may receive an undefined gradient: this micro-batch's part is then already in param.grad.
#pragma once
#include <torch/torch.h>

namespace gtrain {

// Per thread: the CPU part of a backward runs on the thread that called it, and these in-place
// paths are CPU-only (model/matmul.cpp, model/embedding.cpp).
class InPlaceGradAccumulation {
 public:
  InPlaceGradAccumulation() : before_(active()) { active() = true; }
  ~InPlaceGradAccumulation() { active() = before_; }
  InPlaceGradAccumulation(const InPlaceGradAccumulation&) = delete;
  InPlaceGradAccumulation& operator=(const InPlaceGradAccumulation&) = delete;
  static bool& active() {
    thread_local bool on = false;
    return on;
  }

 private:
  bool before_;
};

// param.grad() when a backward may add into it, else an undefined tensor: inside an
// InPlaceGradAccumulation scope, param is a leaf requiring gradient, the backward records no
// graph (create_graph), and its gradient is defined, dense, contiguous and of param's shape,
// dtype and device.
inline torch::Tensor grad_to_accumulate_into(const torch::Tensor& param) {
  if (!InPlaceGradAccumulation::active()) return {};
  if (!param.defined() || !param.is_leaf() || !param.requires_grad() || torch::GradMode::is_enabled()) return {};
  const torch::Tensor& g = param.grad();
  if (!g.defined() || g.layout() != torch::kStrided || !g.is_contiguous() || g.sizes() != param.sizes() ||
      g.scalar_type() != param.scalar_type() || g.device() != param.device())
    return {};
  return g;
}

}  // namespace gtrain
