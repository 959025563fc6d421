#include "model/downscaled_transformer.h"

#include "model/matmul.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace gtrain {

namespace F = torch::nn::functional;

SelfAttentionImpl::SelfAttentionImpl(int64_t e, int64_t h, double p)
    : embed_dim(e), num_heads(h), head_dim(e / h), dropout(p) {
  if (e % h != 0) throw std::invalid_argument("SelfAttention: embed_dim must be divisible by num_heads");
  in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * e, e}));
  in_proj_bias = register_parameter("in_proj_bias", torch::empty({3 * e}));
  out_proj = register_module("out_proj", Linear(e, e));
  reset_parameters();
}

void SelfAttentionImpl::reset_parameters() {
  torch::NoGradGuard g;
  torch::nn::init::xavier_uniform_(in_proj_weight);
  in_proj_bias.zero_();
  out_proj->bias.zero_();
}

torch::Tensor SelfAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& key_padding_mask) {
  if (x.dim() != 3 || x.size(2) != embed_dim) throw std::invalid_argument("SelfAttention: expected x [N, S, E]");
  const int64_t N = x.size(0), S = x.size(1), E = embed_dim;
  // batch_first: PyTorch transposes to (S, N, E) and works there.
  torch::Tensor xt = x.transpose(0, 1);
  // _in_projection_packed (q is k is v): one linear, then unflatten(-1, (3, E)) -> (3, S, N, E).
  torch::Tensor proj = gtrain::linear(xt, in_proj_weight, in_proj_bias).view({S, N, 3, E}).permute({2, 0, 1, 3}).contiguous();
  torch::Tensor q = proj[0].view({S, N * num_heads, head_dim}).transpose(0, 1);
  torch::Tensor k = proj[1].view({S, N * num_heads, head_dim}).transpose(0, 1);
  torch::Tensor v = proj[2].view({S, N * num_heads, head_dim}).transpose(0, 1);
  // _scaled_dot_product_attention (torch 1.13): q / sqrt(E_head), bmm, softmax, dropout, bmm.
  q = q / std::sqrt(static_cast<double>(head_dim));
  torch::Tensor attn = gtrain::bmm(q, k.transpose(-2, -1));  // [N*H, S, S]
  if (key_padding_mask.defined()) {
    torch::Tensor m = key_padding_mask.to(torch::kBool).view({N, 1, 1, S}).expand({N, num_heads, 1, S}).reshape({N * num_heads, 1, S});
    attn = attn.masked_fill(m, -std::numeric_limits<float>::infinity());
  }
  attn = torch::softmax(attn, -1);
  if (dropout > 0 && is_training()) attn = torch::dropout(attn, dropout, true);
  torch::Tensor out = gtrain::bmm(attn, v);  // [N*H, S, hd]
  out = out.transpose(0, 1).contiguous().view({S * N, E});
  // nn.MultiheadAttention reads out_proj.weight directly (no module call), so a LoRA adapter on
  // out_proj has no effect in GLiNER2; do the same here.
  out = gtrain::linear(out, out_proj->weight, out_proj->bias).view({S, N, E});
  return out.transpose(0, 1);
}

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(int64_t d, int64_t nhead, int64_t ff, double p, double eps)
    : dropout(p) {
  self_attn = register_module("self_attn", SelfAttention(d, nhead, p));
  linear1 = register_module("linear1", Linear(d, ff));
  linear2 = register_module("linear2", Linear(ff, d));
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(eps)));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d}).eps(eps)));
}

torch::Tensor TransformerEncoderLayerImpl::forward(const torch::Tensor& x_in, const torch::Tensor& key_padding_mask) {
  const bool drop = dropout > 0 && is_training();
  torch::Tensor sa = self_attn->forward(x_in, key_padding_mask);
  if (drop) sa = torch::dropout(sa, dropout, true);
  torch::Tensor x = norm1(x_in + sa);
  torch::Tensor ff = torch::relu(linear1->forward(x));
  if (drop) ff = torch::dropout(ff, dropout, true);
  ff = linear2->forward(ff);
  if (drop) ff = torch::dropout(ff, dropout, true);
  return norm2(x + ff);
}

TransformerEncoderImpl::TransformerEncoderImpl(int64_t num_layers, int64_t d, int64_t nhead, int64_t ff, double p) {
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < num_layers; ++i) layers->push_back(TransformerEncoderLayer(d, nhead, ff, p));
}

torch::Tensor TransformerEncoderImpl::forward(torch::Tensor x, const torch::Tensor& key_padding_mask) {
  for (const auto& m : *layers) x = m->as<TransformerEncoderLayerImpl>()->forward(x, key_padding_mask);
  return x;
}

DownscaledTransformerImpl::DownscaledTransformerImpl(int64_t input_size, int64_t hidden_size, int64_t num_heads,
                                                     int64_t num_layers, double dropout) {
  in_projector = register_module("in_projector", Linear(input_size, hidden_size));
  transformer = register_module("transformer",
                                TransformerEncoder(num_layers, hidden_size, num_heads, hidden_size * 2, dropout));
  out_projector = register_module(
      "out_projector", Mlp(std::vector<int64_t>{hidden_size + input_size, input_size, input_size, input_size}, false));
}

torch::Tensor DownscaledTransformerImpl::forward(const torch::Tensor& x, const torch::Tensor& key_padding_mask) {
  torch::Tensor h = transformer->forward(in_projector->forward(x), key_padding_mask);
  return out_projector->forward(torch::cat({h, x}, -1));
}

}  // namespace gtrain
