// GLiNER2's count_embed (spec §2.5): turns the M field embeddings F of a schema into C
// instance-specific embeddings. Common part: pos_embedding = Embedding(max_count=20, D); a GRU
// whose batch elements are the fields, started from h0 = F and fed pos_embedding[t] at step t.
//   count_lstm    (CountLSTM):   out = projector(cat(G, F))        projector = Linear(2D,4D), ReLU, Linear(4D,D)
//   count_lstm_v2 (CountLSTMv2): out = DownscaledTransformer(G + F) (attention across the M fields
//                                 of one instance)
// Parameter names (under "count_embed."): pos_embedding.weight, gru.{weight,bias}_{ih,hh}_l0,
// projector.{0,2}.* (count_lstm) or transformer.* (count_lstm_v2, see downscaled_transformer.h).
// The GRU is causal in t, so instance 0 does not depend on the count: entity scoring uses
// forward(F, 1)[0].
#pragma once
#include <torch/torch.h>

#include "model/downscaled_transformer.h"
#include "model/gliner2_config.h"
#include "model/gru.h"
#include "model/mlp.h"

namespace gtrain {

struct CountEmbedImpl : torch::nn::Module {
  CountEmbedImpl(int64_t hidden_size, CountingLayer kind, int64_t max_count = 20);

  // Batched over N schemas of M (padded) fields: fields [N, M, D] -> [C, N, M, D] with
  // C = min(count, max_count) (count <= 0 gives C = 0). key_padding_mask [N, M] bool (true = padded
  // field) keeps padded fields out of count_lstm_v2's attention; a row must not be all true.
  // Fields are independent GRU/projector rows, so padding never changes the valid outputs.
  torch::Tensor forward(const torch::Tensor& fields, int64_t count, const torch::Tensor& key_padding_mask = {});
  // The reference signature: pc_emb [M, D] -> [C, M, D].
  torch::Tensor forward_single(const torch::Tensor& pc_emb, int64_t count);

  int64_t hidden_size, max_count;
  CountingLayer kind;
  torch::nn::Embedding pos_embedding{nullptr};
  Gru gru{nullptr};
  Mlp projector{nullptr};                      // count_lstm
  DownscaledTransformer transformer{nullptr};  // count_lstm_v2
};
TORCH_MODULE(CountEmbed);

}  // namespace gtrain
