// Dropout for CPU tensors without torch's per-element Bernoulli draws. torch::dropout fills its
// mask with bernoulli_, one mt19937 draw per element (~7 ns each at 2 threads; 12% of GLiNER2's CPU
// training step in a torch profile). Here each call takes one 64-bit seed from torch's default
// CPU generator, so manual_seed, checkpoints and activation-checkpoint replays (which restore that
// generator) see the same masks as before, and element i is kept when a hash of (seed, i) clears
// the drop probability: one vectorisable, multi-threaded pass that writes the output and a 1-byte
// mask for the backward. Same distribution as torch's dropout (keep with 1 - p, scale 1 / (1 - p)),
// different draws. CUDA and other devices use torch::dropout.
#pragma once
#include <torch/torch.h>

namespace gtrain {

torch::Tensor dropout(const torch::Tensor& x, double p, bool training);

}  // namespace gtrain
