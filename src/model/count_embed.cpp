#include "model/count_embed.h"

#include <algorithm>
#include <stdexcept>

namespace gtrain {

CountEmbedImpl::CountEmbedImpl(int64_t hidden, CountingLayer k, int64_t maxc)
    : hidden_size(hidden), max_count(maxc), kind(k) {
  pos_embedding = register_module("pos_embedding", torch::nn::Embedding(maxc, hidden));
  gru = register_module("gru", Gru(hidden, hidden));
  if (kind == CountingLayer::CountLstm)
    projector = register_module("projector", Mlp(std::vector<int64_t>{2 * hidden, 4 * hidden, hidden}, false));
  else
    transformer = register_module("transformer", DownscaledTransformer(hidden, 128, 4, 2, 0.1));
}

torch::Tensor CountEmbedImpl::forward(const torch::Tensor& fields, int64_t count, const torch::Tensor& key_padding_mask) {
  if (fields.dim() != 3 || fields.size(2) != hidden_size)
    throw std::invalid_argument("CountEmbed: expected fields [N, M, D] with D = " + std::to_string(hidden_size));
  const int64_t N = fields.size(0), M = fields.size(1), D = hidden_size;
  const int64_t C = std::max<int64_t>(0, std::min(count, max_count));
  if (C == 0 || N * M == 0) return torch::zeros({C, N, M, D}, fields.options());

  // pos_embedding(arange(C)) is rows 0..C-1; its input gates are the same for every field.
  torch::Tensor gi = gru->input_gates(pos_embedding->weight.narrow(0, 0, C)).unsqueeze(1);  // [C, 1, 3D]
  torch::Tensor g = gru->forward_gates(gi, fields.reshape({N * M, D})).view({C, N, M, D});
  torch::Tensor f = fields.unsqueeze(0);
  if (kind == CountingLayer::CountLstm) return projector->forward(torch::cat({g, f.expand_as(g)}, -1));

  torch::Tensor x = (g + f).reshape({C * N, M, D});
  torch::Tensor mask;
  if (key_padding_mask.defined()) mask = key_padding_mask.to(torch::kBool).repeat({C, 1});
  return transformer->forward(x, mask).view({C, N, M, D});
}

torch::Tensor CountEmbedImpl::forward_single(const torch::Tensor& pc_emb, int64_t count) {
  return forward(pc_emb.unsqueeze(0), count).squeeze(1);
}

}  // namespace gtrain
