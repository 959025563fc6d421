#include "train/mixed_precision.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include <cmath>
#include <stdexcept>

#include "dist/communicator.h"

namespace gtrain {

bool grads_finite(const std::vector<torch::Tensor>& params) {
  torch::NoGradGuard ng;
  torch::Tensor bad;
  for (const torch::Tensor& p : params) {
    const torch::Tensor& g = p.grad();
    if (!g.defined()) continue;
    torch::Tensor b = torch::logical_not(torch::isfinite(g)).any();
    bad = bad.defined() ? torch::logical_or(bad, b) : b;
  }
  return !bad.defined() || !bad.item<bool>();  // one device sync for all tensors
}

bool LossScaler::unscale_and_check(const std::vector<torch::Tensor>& params) {
  if (!enabled_) return true;
  {
    torch::NoGradGuard ng;
    const double inv = 1.0 / scale_;
    for (const torch::Tensor& p : params)
      if (p.grad().defined()) p.grad().mul_(inv);
  }
  return grads_finite(params);
}

void LossScaler::update(bool finite) {
  if (!enabled_) return;
  if (!finite) {
    scale_ = std::max(1.0, scale_ * 0.5);
    good_ = 0;
    ++skipped_;
    return;
  }
  if (++good_ >= growth_interval_) {
    scale_ = std::min(scale_ * 2.0, 16777216.0);  // 2^24: past it fp32 gradients themselves overflow
    good_ = 0;
  }
}

namespace {
at::ScalarType autocast_dtype(Precision p) { return p == Precision::BF16 ? at::kBFloat16 : at::kHalf; }

// LibTorch 2.4 replaced the CUDA-only autocast calls with per-device ones.
void set_cuda_autocast(bool on, at::ScalarType dtype) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
  at::autocast::set_autocast_dtype(at::kCUDA, dtype);
  at::autocast::set_autocast_enabled(at::kCUDA, on);
#else
  at::autocast::set_autocast_gpu_dtype(dtype);
  at::autocast::set_enabled(on);
#endif
}
}  // namespace

AutocastScope::AutocastScope(Precision p, const torch::Device& device) {
  if (p == Precision::FP32 || !device.is_cuda()) return;
  set_cuda_autocast(true, autocast_dtype(p));
  on_ = true;
}

AutocastScope::~AutocastScope() {
  if (!on_) return;
  set_cuda_autocast(false, at::kHalf);
  at::autocast::clear_cache();
}

void check_precision(Precision p, const torch::Device& device) {
  if (p == Precision::FP32) return;
  if (!device.is_cuda())
    throw std::invalid_argument("precision " + precision_name(p) + " needs a CUDA device; training runs on " +
                                device.str() + ": set precision: fp32 (or device: cuda on a GPU machine)");
  if (p == Precision::BF16) {
    const int major = dist::cuda_compute_capability_major(device.has_index() ? device.index() : 0);
    if (major >= 0 && major < 8)
      throw std::invalid_argument("precision bf16 needs a GPU of compute capability 8.0 or later (A10G, A100, "
                                  "H100); this one is sm_" + std::to_string(major) + "x: use precision: fp16");
  }
}

}  // namespace gtrain
