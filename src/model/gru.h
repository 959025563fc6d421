// Single-layer, unidirectional torch.nn.GRU (batch_first=False) with nn.GRU's parameter names
// (weight_ih_l0 [3H, I], weight_hh_l0 [3H, H], bias_ih_l0 [3H], bias_hh_l0 [3H]; gate order r, z, n)
// and ATen's CPU GRUCell arithmetic, op for op:
//   gi = W_ih x + b_ih (precomputed for all steps),  gh = W_hh h + b_hh,
//   r = σ(gh_r + gi_r),  z = σ(gh_z + gi_z),  n = tanh(gi_n + gh_n ⊙ r),  h' = (h − n) ⊙ z + n.
// Raw parameters, no gtrain::Linear: nn.GRU has no Linear submodules to adapt.
#pragma once
#include <torch/torch.h>

namespace gtrain {

struct GruImpl : torch::nn::Module {
  GruImpl(int64_t input_size, int64_t hidden_size);

  // x [S, N, I], h0 [N, H] -> [S, N, H]: the hidden state after every step.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& h0);
  // The same from precomputed input gates gi [S, N, 3H]; gi may have size 1 in dim 1 and is then
  // broadcast over the N sequences (an input that is identical for every sequence).
  torch::Tensor forward_gates(const torch::Tensor& gi, const torch::Tensor& h0);
  // W_ih x + b_ih over any leading shape.
  torch::Tensor input_gates(const torch::Tensor& x) const;

  // nn.GRU's init: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)).
  void reset_parameters();

  int64_t input_size, hidden_size;
  torch::Tensor weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0;
};
TORCH_MODULE(Gru);

}  // namespace gtrain
