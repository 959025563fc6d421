// Mixed precision on CUDA: autocast regions for the forward (fp16 or bf16 compute, fp32 master
// weights and optimizer) and a dynamic loss scaler for fp16.
//
// LossScaler follows torch.cuda.amp.GradScaler: the loss is multiplied by `scale` before
// backward; after the gradients are reduced they are unscaled, and a step whose gradients hold
// inf/NaN is skipped and halves the scale; `growth_interval` finite steps in a row double it. The
// gradients are identical on every rank after the all-reduce, so every rank makes the same
// decision. The scaler's logic is device-independent (tested on CPU). Autocast is per device type:
// fp16/bf16 on CUDA, bf16 on the CPU.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "config/train_config.h"

namespace gtrain {

// True when every defined gradient of params is finite.
bool grads_finite(const std::vector<torch::Tensor>& params);

class LossScaler {
 public:
  // good_steps: clean steps since the scale last changed (a resumed run's, so it grows on time).
  LossScaler(bool enabled, double init_scale = 65536.0, int growth_interval = 2000, int good_steps = 0,
             int64_t skipped_steps = 0)
      : enabled_(enabled), scale_(init_scale), growth_interval_(growth_interval), good_(good_steps),
        skipped_(skipped_steps) {}
  bool enabled() const { return enabled_; }
  double scale() const { return enabled_ ? scale_ : 1.0; }
  void set_scale(double s) { scale_ = s; }
  // Divides every defined gradient by the scale; false when any of them is not finite.
  bool unscale_and_check(const std::vector<torch::Tensor>& params);
  // After a step: skipped (found_inf) halves the scale, growth_interval good steps double it.
  void update(bool finite);
  int64_t skipped_steps() const { return skipped_; }
  int good_steps() const { return good_; }

 private:
  bool enabled_;
  double scale_;
  int growth_interval_;
  int good_ = 0;
  int64_t skipped_ = 0;
};

// Autocast for the scope of a forward pass on the device's type (a no-op for fp32).
class AutocastScope {
 public:
  AutocastScope(Precision p, const torch::Device& device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  c10::DeviceType device_type_;
  bool on_ = false;
};

// Checks that `p` can run on `device` (fp16 needs CUDA; bf16 runs on the CPU and on GPUs of
// compute capability 8.0 or later when the build can tell): throws std::invalid_argument with the reason.
void check_precision(Precision p, const torch::Device& device);

}  // namespace gtrain
