// DeBERTa-v2/v3 encoder (Hugging Face DebertaV2Model, transformers 4.40 "modeling_deberta_v2"),
// ported op for op so fp32 results match the Python reference to rounding noise.
//
// Registered parameter names equal HF's state_dict names exactly, e.g.
//   embeddings.word_embeddings.weight, embeddings.LayerNorm.{weight,bias},
//   encoder.layer.N.attention.self.{query_proj,key_proj,value_proj}.{weight,bias},
//   encoder.layer.N.attention.output.{dense,LayerNorm}.*, encoder.layer.N.intermediate.dense.*,
//   encoder.layer.N.output.{dense,LayerNorm}.*, encoder.rel_embeddings.weight, encoder.LayerNorm.*
// (GLiNER2 checkpoints store them under the prefix "encoder."). Every linear layer is a
// gtrain::Linear, so LoRA adapters (src/model/lora.h) attach to it in place.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "model/deberta_config.h"
#include "model/encoder.h"
#include "model/encoder_layer.h"
#include "model/linear.h"

namespace gtrain {

// HF make_log_bucket_position applied element-wise to an int64 tensor of relative distances,
// computed with the same float32 tensor arithmetic. Returns int64.
torch::Tensor make_log_bucket_position(const torch::Tensor& relative_pos, int64_t bucket_size,
                                       int64_t max_position);

// HF build_relative_position without the leading batch dim: [q, k] int64 with
// out[i][j] = bucket(i - j) (plain i - j when bucket_size <= 0 or max_position <= 0).
torch::Tensor relative_buckets(int64_t q, int64_t k, int64_t bucket_size, int64_t max_position,
                               torch::Device device = torch::kCPU);

// XSoftmax forward: scores.masked_fill(!mask, finfo.min) -> softmax(dim) -> masked_fill(!mask, 0).
// mask broadcasts against scores; fully masked rows come out all zero.
torch::Tensor masked_softmax(const torch::Tensor& scores, const torch::Tensor& mask, int64_t dim);

struct DebertaV2EmbeddingsImpl : torch::nn::Module {
  explicit DebertaV2EmbeddingsImpl(const DebertaV2Config& cfg);
  // input_ids [B, T] int64; mask [B, T] (any numeric dtype) or undefined; token_type_ids [B, T]
  // or undefined (= zeros).
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& mask,
                        const torch::Tensor& token_type_ids = {});

  DebertaV2Config cfg;
  torch::nn::Embedding word_embeddings{nullptr};
  torch::nn::Embedding position_embeddings{nullptr};    // only when position_biased_input
  torch::nn::Embedding token_type_embeddings{nullptr};  // only when type_vocab_size > 0
  Linear embed_proj{nullptr};                           // only when embedding_size != hidden_size
  torch::nn::LayerNorm LayerNorm{nullptr};
};
TORCH_MODULE(DebertaV2Embeddings);

// What every layer's attention reads besides its hidden state; the encoder builds it once per
// forward. mask4 [B, 1, T, T] uint8; relative_pos [1, T, T] int64 (may be undefined without
// relative attention); rel_embeddings: rows rel_first.. of the normalised [2*span, H] table (the
// encoder passes only the rows a sequence of length T can index; 0 = the whole table).
struct DebertaV2AttentionInputs {
  torch::Tensor mask4, relative_pos, rel_embeddings;
  int64_t rel_first = 0;
};

struct DisentangledSelfAttentionImpl : torch::nn::Module {
  explicit DisentangledSelfAttentionImpl(const DebertaV2Config& cfg);
  // hidden [B, T, H]; the rest as DebertaV2AttentionInputs says.
  torch::Tensor forward(const torch::Tensor& hidden, const DebertaV2AttentionInputs& in);
  torch::Tensor transpose_for_scores(const torch::Tensor& x) const;
  torch::Tensor disentangled_attention_bias(const torch::Tensor& query_layer, const torch::Tensor& key_layer,
                                            const torch::Tensor& relative_pos,
                                            const torch::Tensor& rel_embeddings, int64_t scale_factor,
                                            int64_t rel_first = 0);

  DebertaV2Config cfg;
  int64_t num_heads, head_size, all_head_size, pos_ebd_size;
  bool c2p, p2c;
  Linear query_proj{nullptr}, key_proj{nullptr}, value_proj{nullptr};
  Linear pos_key_proj{nullptr}, pos_query_proj{nullptr};  // only when !share_att_key
};
TORCH_MODULE(DisentangledSelfAttention);

// HF DebertaV2Attention / DebertaV2Layer (model/encoder_layer.h): attention.self is the
// disentangled self-attention.
using DebertaV2AttentionImpl = EncoderAttentionImpl<DisentangledSelfAttention, DebertaV2AttentionInputs>;
using DebertaV2LayerImpl = EncoderLayerImpl<DisentangledSelfAttention, DebertaV2AttentionInputs>;
using DebertaV2Layer = torch::nn::ModuleHolder<DebertaV2LayerImpl>;

struct DebertaV2EncoderImpl : torch::nn::Module {
  explicit DebertaV2EncoderImpl(const DebertaV2Config& cfg);
  // hidden [B, T, H] (embedding output); attention_mask [B, T]. Appends the input of every
  // layer and the final output to *all_hidden_states when given. checkpoint: recompute each
  // layer's activations in backward (the model's EncoderImpl::checkpoint_layers()).
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& attention_mask,
                        std::vector<torch::Tensor>* all_hidden_states = nullptr, bool checkpoint = false);
  // LayerNorm(rel_embeddings.weight) (or the raw table without norm_rel_ebd), rows [first, first +
  // count) (count < 0: to the end); undefined without relative attention.
  torch::Tensor get_rel_embedding(int64_t first = 0, int64_t count = -1);

  DebertaV2Config cfg;
  torch::nn::ModuleList layer{nullptr};
  torch::nn::Embedding rel_embeddings{nullptr};  // only with relative_attention
  torch::nn::LayerNorm LayerNorm{nullptr};       // only with norm_rel_ebd == layer_norm
};
TORCH_MODULE(DebertaV2Encoder);

struct DebertaV2ModelImpl : EncoderImpl {
  explicit DebertaV2ModelImpl(const DebertaV2Config& cfg);

  DebertaV2Config cfg;
  DebertaV2Embeddings embeddings{nullptr};
  DebertaV2Encoder encoder{nullptr};

 protected:
  // See EncoderImpl::forward. token_type_ids reach token_type_embeddings when the config has them
  // (type_vocab_size > 0; DeBERTa-v3 has none).
  torch::Tensor encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                       std::vector<torch::Tensor>* all_hidden_states, const torch::Tensor& token_type_ids) override;
};
TORCH_MODULE(DebertaV2Model);

}  // namespace gtrain
