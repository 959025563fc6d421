#include "model/gru.h"

#include "model/matmul.h"

#include <cmath>
#include <stdexcept>

namespace gtrain {

namespace F = torch::nn::functional;

GruImpl::GruImpl(int64_t in, int64_t hidden) : input_size(in), hidden_size(hidden) {
  weight_ih_l0 = register_parameter("weight_ih_l0", torch::empty({3 * hidden, in}));
  weight_hh_l0 = register_parameter("weight_hh_l0", torch::empty({3 * hidden, hidden}));
  bias_ih_l0 = register_parameter("bias_ih_l0", torch::empty({3 * hidden}));
  bias_hh_l0 = register_parameter("bias_hh_l0", torch::empty({3 * hidden}));
  reset_parameters();
}

void GruImpl::reset_parameters() {
  torch::NoGradGuard g;
  const double stdv = 1.0 / std::sqrt(static_cast<double>(hidden_size));
  for (auto& p : parameters()) p.uniform_(-stdv, stdv);
}

torch::Tensor GruImpl::input_gates(const torch::Tensor& x) const { return gtrain::linear(x, weight_ih_l0, bias_ih_l0); }

torch::Tensor GruImpl::forward(const torch::Tensor& x, const torch::Tensor& h0) {
  if (x.dim() != 3) throw std::invalid_argument("Gru: expected x [S, N, I]");
  return forward_gates(input_gates(x), h0);
}

torch::Tensor GruImpl::forward_gates(const torch::Tensor& gi_all, const torch::Tensor& h0) {
  if (gi_all.dim() != 3 || gi_all.size(2) != 3 * hidden_size)
    throw std::invalid_argument("Gru: expected input gates [S, N, 3H]");
  if (h0.dim() != 2 || h0.size(1) != hidden_size) throw std::invalid_argument("Gru: expected h0 [N, H]");
  const int64_t S = gi_all.size(0);
  std::vector<torch::Tensor> outs;
  outs.reserve(S);
  torch::Tensor h = h0;
  for (int64_t t = 0; t < S; ++t) {
    std::vector<torch::Tensor> gi = gi_all[t].chunk(3, -1);
    std::vector<torch::Tensor> gh = gtrain::linear(h, weight_hh_l0, bias_hh_l0).chunk(3, -1);
    torch::Tensor r = torch::sigmoid(gh[0] + gi[0]);
    torch::Tensor z = torch::sigmoid(gh[1] + gi[1]);
    torch::Tensor n = torch::tanh(gi[2] + gh[2] * r);
    h = (h - n) * z + n;
    outs.push_back(h);
  }
  if (S == 0) return torch::empty({0, h0.size(0), hidden_size}, h0.options());
  return torch::stack(outs, 0);
}

}  // namespace gtrain
