// BERT-family encoder: Hugging Face BertModel / RobertaModel / XLMRobertaModel / ElectraModel
// (transformers 4.40, eager attention) in one implementation, op for op, so fp32 results match the
// Python reference to rounding noise (tests/unit_torch/test_bert_parity.cpp, shared/fixtures/
// hf_encoders).
//
// Registered parameter names equal HF's bare-model state_dict names:
//   embeddings.{word_embeddings,position_embeddings,token_type_embeddings}.weight,
//   embeddings.LayerNorm.{weight,bias}, embeddings_project.{weight,bias} (ELECTRA, when
//   embedding_size != hidden_size), encoder.layer.N.attention.self.{query,key,value}.*,
//   encoder.layer.N.attention.output.{dense,LayerNorm}.*, encoder.layer.N.intermediate.dense.*,
//   encoder.layer.N.output.{dense,LayerNorm}.*
//   pooler.dense.{weight,bias} (bert, roberta, xlm-roberta: AutoModel builds it and GLiNER2's
//   from_pretrained loads its state dict strictly, so it is kept although forward never uses it;
//   like GLiNER2's classifier head it gets no gradient in NER training).
// Every linear layer is a gtrain::Linear, so LoRA's "query", "key", "value", "dense" targets attach
// to it (the pooler's dense too, as in Python).
#pragma once
#include <torch/torch.h>

#include <vector>

#include "model/bert_config.h"
#include "model/encoder.h"
#include "model/encoder_layer.h"
#include "model/linear.h"

namespace gtrain {

// RoBERTa's create_position_ids_from_input_ids: padding_idx + cumsum(ids != padding_idx) at
// non-padding tokens, padding_idx at padding. [B, T] int64.
torch::Tensor offset_position_ids(const torch::Tensor& input_ids, int64_t padding_idx);

struct BertEmbeddingsImpl : torch::nn::Module {
  explicit BertEmbeddingsImpl(const BertConfig& cfg);
  // Word + token type + position embeddings, LayerNorm, dropout: [B, T, embedding_size].
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids);
  BertConfig cfg;
  torch::nn::Embedding word_embeddings{nullptr}, position_embeddings{nullptr}, token_type_embeddings{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
};
TORCH_MODULE(BertEmbeddings);

struct BertSelfAttentionImpl : torch::nn::Module {
  explicit BertSelfAttentionImpl(const BertConfig& cfg);
  // hidden [B, T, H]; additive_mask [B, 1, 1, T] (0 at tokens, the dtype's lowest at padding).
  torch::Tensor forward(const torch::Tensor& hidden, const torch::Tensor& additive_mask);
  BertConfig cfg;
  Linear query{nullptr}, key{nullptr}, value{nullptr};
};
TORCH_MODULE(BertSelfAttention);

// HF BertAttention / BertLayer (model/encoder_layer.h): attention.self is BertSelfAttention.
using BertAttentionImpl = EncoderAttentionImpl<BertSelfAttention, torch::Tensor>;
using BertLayerImpl = EncoderLayerImpl<BertSelfAttention, torch::Tensor>;
using BertLayer = torch::nn::ModuleHolder<BertLayerImpl>;

struct BertEncoderImpl : torch::nn::Module {
  explicit BertEncoderImpl(const BertConfig& cfg);
  torch::nn::ModuleList layer{nullptr};
};
TORCH_MODULE(BertEncoder);

struct BertPoolerImpl : torch::nn::Module {
  explicit BertPoolerImpl(const BertConfig& cfg) { dense = register_module("dense", Linear(cfg.hidden_size, cfg.hidden_size)); }
  Linear dense{nullptr};
};
TORCH_MODULE(BertPooler);

struct BertModelImpl : EncoderImpl {
  explicit BertModelImpl(const BertConfig& cfg);

  BertConfig cfg;
  BertEmbeddings embeddings{nullptr};
  Linear embeddings_project{nullptr};  // ELECTRA only
  BertEncoder encoder{nullptr};
  BertPooler pooler{nullptr};  // when cfg.has_pooler(); never run

 protected:
  torch::Tensor encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                       std::vector<torch::Tensor>* all_hidden_states, const torch::Tensor& token_type_ids) override;
};
TORCH_MODULE(BertModel);

}  // namespace gtrain
