// The ReLU MLPs of GLiNER2, laid out like the nn.Sequential they replace so parameter names match
// the checkpoints:
//   * create_mlp(..., dropout=0): Linear, ReLU, Linear, ReLU, ...  -> Linears at indices 0, 2, 4
//     (classifier, count_pred, count_embed.projector, count_embed.transformer.out_projector);
//   * create_projection_layer: Linear, ReLU, Dropout(p), Linear      -> Linears at indices 0, 3
//     (span_rep.span_rep_layer.{project_start, project_end, out_project}).
// Every Linear is a gtrain::Linear (LoRA-capable) registered under its Sequential index.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "model/linear.h"

namespace gtrain {

struct MlpImpl : torch::nn::Module {
  // dims = {in, hidden..., out} (at least 2 entries). With dropout_slot every hidden activation
  // is followed by a Dropout(dropout) "module" (no parameters, but it takes an index: stride 3);
  // without it the stride is 2 and no dropout is applied.
  MlpImpl(std::vector<int64_t> dims, bool dropout_slot, double dropout = 0.0);

  torch::Tensor forward(const torch::Tensor& x);
  // Applies layers [from, to) with the activation/dropout between them, as forward does. The
  // activation after layer k is applied when k + 1 < size() (i.e. not after the last layer).
  torch::Tensor forward_range(torch::Tensor x, size_t from, size_t to);

  size_t size() const { return layers.size(); }
  // Sequential index of layer k (k * stride).
  int64_t index_of(size_t k) const { return static_cast<int64_t>(k) * (dropout_slot ? 3 : 2); }

  std::vector<Linear> layers;
  bool dropout_slot;
  double dropout;
};
TORCH_MODULE(Mlp);

}  // namespace gtrain
