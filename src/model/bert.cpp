#include "model/bert.h"

#include <cmath>
#include <stdexcept>

#include "model/dtype_limits.h"
#include "model/embedding.h"
#include "model/fast_dropout.h"
#include "model/matmul.h"

namespace gtrain {

torch::Tensor offset_position_ids(const torch::Tensor& input_ids, int64_t padding_idx) {
  torch::Tensor mask = input_ids.ne(padding_idx).to(torch::kInt64);
  return torch::cumsum(mask, 1) * mask + padding_idx;
}

// ---------------------------------------------------------------------------------------------
// Embeddings

BertEmbeddingsImpl::BertEmbeddingsImpl(const BertConfig& c) : cfg(c) {
  auto wopt = torch::nn::EmbeddingOptions(cfg.vocab_size, cfg.embedding_size);
  if (cfg.pad_token_id >= 0 && cfg.pad_token_id < cfg.vocab_size) wopt.padding_idx(cfg.pad_token_id);
  word_embeddings = register_module("word_embeddings", torch::nn::Embedding(wopt));
  auto popt = torch::nn::EmbeddingOptions(cfg.max_position_embeddings, cfg.embedding_size);
  if (cfg.offset_positions()) popt.padding_idx(cfg.pad_token_id);  // RobertaEmbeddings does so
  position_embeddings = register_module("position_embeddings", torch::nn::Embedding(popt));
  token_type_embeddings =
      register_module("token_type_embeddings", torch::nn::Embedding(cfg.type_vocab_size, cfg.embedding_size));
  LayerNorm = register_module("LayerNorm", hf_layer_norm(cfg.embedding_size, cfg.layer_norm_eps));
}

torch::Tensor BertEmbeddingsImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& token_type_ids) {
  const int64_t T = input_ids.size(1);
  torch::Tensor position_ids;
  if (cfg.offset_positions()) {
    position_ids = offset_position_ids(input_ids, cfg.pad_token_id);
  } else {
    position_ids = torch::arange(T, torch::TensorOptions().dtype(torch::kInt64).device(input_ids.device())).unsqueeze(0);
  }
  // The largest position a row of T tokens can reach, known without reading the ids back.
  const int64_t last = cfg.offset_positions() ? cfg.pad_token_id + T : T - 1;
  if (last >= cfg.max_position_embeddings)
    throw std::invalid_argument("BERT encoder: a sequence of " + std::to_string(T) + " tokens needs position " +
                                std::to_string(last) + " but max_position_embeddings is " +
                                std::to_string(cfg.max_position_embeddings) + " (lower max_length)");
  torch::Tensor tt = token_type_ids.defined() ? token_type_ids : torch::zeros_like(input_ids);
  // HF order: (inputs_embeds + token_type_embeddings) + position_embeddings.
  torch::Tensor e = gtrain::embedding(word_embeddings, input_ids) + token_type_embeddings(tt);
  e = e + position_embeddings(position_ids);
  e = LayerNorm(e);
  return gtrain::dropout(e, cfg.hidden_dropout_prob, is_training());
}

// ---------------------------------------------------------------------------------------------
// Layers

BertSelfAttentionImpl::BertSelfAttentionImpl(const BertConfig& c) : cfg(c) {
  query = register_module("query", Linear(cfg.hidden_size, cfg.hidden_size));
  key = register_module("key", Linear(cfg.hidden_size, cfg.hidden_size));
  value = register_module("value", Linear(cfg.hidden_size, cfg.hidden_size));
}

torch::Tensor BertSelfAttentionImpl::forward(const torch::Tensor& hidden, const torch::Tensor& additive_mask) {
  const int64_t B = hidden.size(0), T = hidden.size(1), nh = cfg.num_attention_heads, d = cfg.head_size();
  auto heads = [&](const torch::Tensor& x) { return x.view({B, T, nh, d}).permute({0, 2, 1, 3}); };
  torch::Tensor q = heads(query(hidden)), k = heads(key(hidden)), v = heads(value(hidden));
  auto flat = [&](const torch::Tensor& x) { return x.reshape({B * nh, T, d}); };  // bmm's [B*nh, T, d]
  torch::Tensor scores =
      gtrain::bmm(flat(q), flat(k).transpose(1, 2)).view({B, nh, T, T}) / std::sqrt(static_cast<double>(d));
  scores = scores + additive_mask;
  torch::Tensor probs = torch::softmax(scores, -1);
  probs = gtrain::dropout(probs, cfg.attention_probs_dropout_prob, is_training());
  torch::Tensor ctx = gtrain::bmm(probs.reshape({B * nh, T, T}), flat(v)).view({B, nh, T, d}).permute({0, 2, 1, 3}).contiguous();
  return ctx.view({B, T, nh * d});
}

BertEncoderImpl::BertEncoderImpl(const BertConfig& cfg) {
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < cfg.num_hidden_layers; ++i) layer->push_back(BertLayer(cfg));
}

// ---------------------------------------------------------------------------------------------
// Model

BertModelImpl::BertModelImpl(const BertConfig& c) : EncoderImpl(c.initializer_range), cfg(c) {
  embeddings = register_module("embeddings", BertEmbeddings(cfg));
  if (cfg.has_embeddings_project())
    embeddings_project = register_module("embeddings_project", Linear(cfg.embedding_size, cfg.hidden_size));
  encoder = register_module("encoder", BertEncoder(cfg));
  if (cfg.has_pooler()) pooler = register_module("pooler", BertPooler(cfg));
}

torch::Tensor BertModelImpl::encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                    std::vector<torch::Tensor>* all_hidden_states,
                                    const torch::Tensor& token_type_ids) {
  if (attention_mask.defined() && attention_mask.sizes() != input_ids.sizes())
    throw std::invalid_argument("BERT encoder: attention_mask shape differs from input_ids");
  torch::Tensor h = embeddings(input_ids, token_type_ids);
  if (embeddings_project) h = embeddings_project(h);
  // HF get_extended_attention_mask: (1 - mask) * finfo(dtype).min in the parameters' dtype (fp32
  // under autocast too: an fp16 -65504 added to fp16 scores can overflow), broadcast over heads and
  // queries.
  const auto pdtype = embeddings->LayerNorm->weight.scalar_type();
  torch::Tensor additive;
  if (attention_mask.defined()) {
    torch::Tensor m = attention_mask.to(pdtype).view({input_ids.size(0), 1, 1, input_ids.size(1)});
    additive = (1.0 - m) * lowest_value(pdtype);
  } else {
    additive = torch::zeros({1, 1, 1, input_ids.size(1)}, h.options().dtype(pdtype));
  }
  BertEncoderImpl* enc = encoder.get();
  return run_layers(
      enc->layer->size(),
      [enc, additive](size_t i, const torch::Tensor& x, const torch::Tensor&) {
        return enc->layer->ptr<BertLayerImpl>(i)->forward(x, additive);
      },
      h, /*carried=*/{}, checkpoint_layers(), all_hidden_states);
}

}  // namespace gtrain
