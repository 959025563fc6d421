// AdamW with the mission's parameter groups: encoder vs heads (two learning rates) x decay vs
// no decay (names containing an optim.no_decay substring, e.g. bias and LayerNorm). Only
// parameters that require gradients are handed to the optimizer (frozen LoRA bases are not).
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "config/train_config.h"

namespace gtrain {

struct ParamGroupInfo {
  std::string name;      // "encoder", "encoder/no_decay", "heads", "heads/no_decay"
  double base_lr = 0.0;  // lr before the schedule factor
  int64_t tensors = 0, elements = 0;
};

struct TrainOptimizer {
  std::unique_ptr<torch::optim::AdamW> adamw;  // holds the groups and the per-parameter state
  std::vector<ParamGroupInfo> groups;  // same order as adamw->param_groups()
  std::vector<torch::Tensor> params;   // every trained parameter (for clipping)
  // step() runs ATen's fused AdamW kernel (_fused_adamw_: one pass over each element, all of a
  // group's tensors in one call) on adamw's own state, so checkpoints and resume see the same
  // state either way; false = torch::optim::AdamW::step (separate element-wise passes per tensor).
  bool fused = true;
  void step();
  void set_lr_factor(double f);        // lr of every group = base_lr * f
};

TrainOptimizer make_optimizer(torch::nn::Module& model, const OptimConfig& cfg);

}  // namespace gtrain
