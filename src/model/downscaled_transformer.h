// count_lstm_v2's DownscaledTransformer (gliner2 layers.py): in_projector Linear(D, 128) ->
// 2 x torch.nn.TransformerEncoderLayer(d_model 128, 4 heads, ff 256, ReLU, dropout 0.1, post-LN,
// eps 1e-5, batch_first) -> out_projector(cat(transformer_out, input)) = Linear(128 + D, D), ReLU,
// Linear(D, D), ReLU, Linear(D, D).
// Parameter names (under "count_embed.transformer."), exactly PyTorch's:
//   in_projector.{weight,bias}
//   transformer.layers.N.self_attn.{in_proj_weight,in_proj_bias}, ...self_attn.out_proj.{weight,bias}
//   transformer.layers.N.{linear1,linear2,norm1,norm2}.{weight,bias}
//   out_projector.{0,2,4}.{weight,bias}
// The layer follows the regular (non-fused) path of torch 1.13's nn.TransformerEncoderLayer /
// F.multi_head_attention_forward op for op.
#pragma once
#include <torch/torch.h>

#include "model/linear.h"
#include "model/mlp.h"

namespace gtrain {

// nn.MultiheadAttention, self-attention only, batch_first, kdim = vdim = embed_dim.
struct SelfAttentionImpl : torch::nn::Module {
  SelfAttentionImpl(int64_t embed_dim, int64_t num_heads, double dropout);
  // x [N, S, E]; key_padding_mask [N, S] bool, true = ignore that key (undefined = none).
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_padding_mask = {});
  void reset_parameters();  // xavier_uniform in_proj_weight, zero biases (PyTorch's init)

  int64_t embed_dim, num_heads, head_dim;
  double dropout;
  torch::Tensor in_proj_weight, in_proj_bias;
  Linear out_proj{nullptr};
};
TORCH_MODULE(SelfAttention);

// nn.TransformerEncoderLayer(norm_first=False, activation=relu, batch_first=True).
struct TransformerEncoderLayerImpl : torch::nn::Module {
  TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead, int64_t dim_feedforward, double dropout,
                              double layer_norm_eps = 1e-5);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_padding_mask = {});

  double dropout;
  SelfAttention self_attn{nullptr};
  Linear linear1{nullptr}, linear2{nullptr};
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
};
TORCH_MODULE(TransformerEncoderLayer);

// nn.TransformerEncoder without a final norm: "layers" = ModuleList of encoder layers.
struct TransformerEncoderImpl : torch::nn::Module {
  TransformerEncoderImpl(int64_t num_layers, int64_t d_model, int64_t nhead, int64_t dim_feedforward,
                         double dropout);
  torch::Tensor forward(torch::Tensor x, const torch::Tensor& key_padding_mask = {});
  torch::nn::ModuleList layers{nullptr};
};
TORCH_MODULE(TransformerEncoder);

struct DownscaledTransformerImpl : torch::nn::Module {
  DownscaledTransformerImpl(int64_t input_size, int64_t hidden_size = 128, int64_t num_heads = 4,
                            int64_t num_layers = 2, double dropout = 0.1);
  // x [N, S, input_size] (batch N, sequence S) -> [N, S, input_size].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& key_padding_mask = {});

  Linear in_projector{nullptr};
  TransformerEncoder transformer{nullptr};
  Mlp out_projector{nullptr};
};
TORCH_MODULE(DownscaledTransformer);

}  // namespace gtrain
