#include "train/mixed_precision.h"

#include <ATen/autocast_mode.h>

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

}  // namespace

AutocastScope::AutocastScope(Precision p, const torch::Device& device) : device_type_(device.type()) {
  if (p == Precision::FP32 || (!device.is_cuda() && p != Precision::BF16)) return;  // CPU: bf16 only
  at::autocast::set_autocast_dtype(device_type_, autocast_dtype(p));
  at::autocast::set_autocast_enabled(device_type_, true);
  on_ = true;
}

AutocastScope::~AutocastScope() {
  if (!on_) return;
  at::autocast::set_autocast_enabled(device_type_, false);
  at::autocast::clear_cache();
}

void check_precision(Precision p, const torch::Device& device) {
  if (p == Precision::FP32) return;
  // CPU autocast runs bf16 (docs/benchmarks.md measures whether it pays on a given CPU); fp16's
  // range needs the loss scaler and only pays on GPUs.
  if (!device.is_cuda() && p != Precision::BF16)
    throw std::invalid_argument("precision " + precision_name(p) + " needs a CUDA device; training runs on " +
                                device.str() + ": set precision: fp32 or bf16 (or device: cuda on a GPU machine)");
  if (p == Precision::BF16 && device.is_cuda()) {
    const int major = dist::cuda_compute_capability_major(device.has_index() ? device.index() : 0);
    if (major >= 0 && major < 8)
      throw std::invalid_argument("precision bf16 needs a GPU of compute capability 8.0 or later (A10G, A100, "
                                  "H100); this one is sm_" + std::to_string(major) + "x: use precision: fp16");
  }
}

}  // namespace gtrain
