#include "model/deberta.h"

#include "model/dtype_limits.h"
#include "model/embedding.h"
#include "model/fast_dropout.h"
#include "model/matmul.h"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace gtrain {

namespace {

// torch.sqrt(torch.tensor(d, dtype=torch.float) * scale_factor), as a 0-dim float32 CPU tensor.
torch::Tensor attention_scale(int64_t head_dim, int64_t scale_factor) {
  return torch::sqrt(torch::scalar_tensor(static_cast<double>(head_dim), torch::kFloat32) * scale_factor);
}

torch::Tensor maybe_dropout(const torch::Tensor& x, double p, bool training) {
  return gtrain::dropout(x, p, training);
}

// gtrain::Linear (same parameter names and default init as torch::nn::Linear, plus the LoRA
// slot that src/model/lora.h fills).
Linear make_linear(int64_t in, int64_t out, bool bias = true) { return Linear(in, out, bias); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Relative positions

torch::Tensor make_log_bucket_position(const torch::Tensor& relative_pos, int64_t bucket_size,
                                       int64_t max_position) {
  // Mirrors transformers 4.40 make_log_bucket_position, including its float32 arithmetic.
  torch::Tensor sign = torch::sign(relative_pos);
  const int64_t mid = bucket_size / 2;
  torch::Tensor abs_pos =
      torch::where((relative_pos < mid) & (relative_pos > -mid),
                   torch::scalar_tensor(mid - 1, torch::kInt64).type_as(relative_pos), torch::abs(relative_pos));
  torch::Tensor denom = torch::log(
      torch::scalar_tensor(static_cast<double>(max_position - 1) / static_cast<double>(mid), torch::kFloat32));
  torch::Tensor log_pos = torch::ceil(torch::log(abs_pos / mid) / denom * (mid - 1)) + mid;
  torch::Tensor bucket_pos = torch::where(abs_pos <= mid, relative_pos.type_as(log_pos), log_pos * sign);
  return bucket_pos.to(torch::kInt64);
}

torch::Tensor relative_buckets(int64_t q, int64_t k, int64_t bucket_size, int64_t max_position,
                               torch::Device device) {
  torch::Tensor q_ids = torch::arange(0, q, torch::kInt64);
  torch::Tensor k_ids = torch::arange(0, k, torch::kInt64);
  torch::Tensor rel = q_ids.unsqueeze(1) - k_ids.unsqueeze(0);
  if (bucket_size > 0 && max_position > 0) rel = make_log_bucket_position(rel, bucket_size, max_position);
  return rel.to(torch::kInt64).to(device);
}

torch::Tensor masked_softmax(const torch::Tensor& scores, const torch::Tensor& mask, int64_t dim) {
  torch::Tensor rmask = mask.to(torch::kBool).logical_not();
  torch::Tensor out = scores.masked_fill(rmask, lowest_value(scores.scalar_type()));
  out = torch::softmax(out, dim);
  // Out of place (XSoftmax fills in place inside a custom Function; autograd here needs the
  // softmax output intact). The gradient is the same: masked probabilities are exactly 0.
  return out.masked_fill(rmask, 0);
}

// ---------------------------------------------------------------------------------------------
// Embeddings

DebertaV2EmbeddingsImpl::DebertaV2EmbeddingsImpl(const DebertaV2Config& c) : cfg(c) {
  auto wopt = torch::nn::EmbeddingOptions(cfg.vocab_size, cfg.embedding_size);
  if (cfg.pad_token_id >= 0 && cfg.pad_token_id < cfg.vocab_size) wopt.padding_idx(cfg.pad_token_id);
  word_embeddings = register_module("word_embeddings", torch::nn::Embedding(wopt));
  if (cfg.position_biased_input)
    position_embeddings = register_module(
        "position_embeddings", torch::nn::Embedding(cfg.max_position_embeddings, cfg.embedding_size));
  if (cfg.type_vocab_size > 0)
    token_type_embeddings = register_module("token_type_embeddings",
                                            torch::nn::Embedding(cfg.type_vocab_size, cfg.embedding_size));
  if (cfg.embedding_size != cfg.hidden_size)
    embed_proj = register_module("embed_proj", make_linear(cfg.embedding_size, cfg.hidden_size, false));
  LayerNorm = register_module("LayerNorm", hf_layer_norm(cfg.hidden_size, cfg.layer_norm_eps));
}

torch::Tensor DebertaV2EmbeddingsImpl::forward(const torch::Tensor& input_ids, const torch::Tensor& mask,
                                               const torch::Tensor& token_type_ids) {
  const int64_t seq_len = input_ids.size(1);
  torch::Tensor embeddings = gtrain::embedding(word_embeddings, input_ids);
  if (position_embeddings) {
    torch::Tensor position_ids =
        torch::arange(0, seq_len, torch::TensorOptions().dtype(torch::kInt64).device(input_ids.device()))
            .unsqueeze(0);
    embeddings = embeddings + position_embeddings(position_ids);
  }
  if (token_type_embeddings) embeddings =
        embeddings + token_type_embeddings(token_type_ids.defined() ? token_type_ids : torch::zeros_like(input_ids));
  if (embed_proj) embeddings = embed_proj(embeddings);
  embeddings = LayerNorm(embeddings);
  if (mask.defined()) {
    torch::Tensor m = mask;
    if (m.dim() != embeddings.dim()) {
      if (m.dim() == 4) m = m.squeeze(1).squeeze(1);
      m = m.unsqueeze(2);
    }
    m = m.to(embeddings.scalar_type());
    embeddings = embeddings * m;
  }
  return maybe_dropout(embeddings, cfg.hidden_dropout_prob, is_training());
}

// ---------------------------------------------------------------------------------------------
// Disentangled self-attention

DisentangledSelfAttentionImpl::DisentangledSelfAttentionImpl(const DebertaV2Config& c) : cfg(c) {
  num_heads = cfg.num_attention_heads;
  head_size = cfg.head_size();
  all_head_size = num_heads * head_size;
  c2p = cfg.has_c2p();
  p2c = cfg.has_p2c();
  pos_ebd_size = cfg.pos_ebd_size();
  query_proj = register_module("query_proj", make_linear(cfg.hidden_size, all_head_size));
  key_proj = register_module("key_proj", make_linear(cfg.hidden_size, all_head_size));
  value_proj = register_module("value_proj", make_linear(cfg.hidden_size, all_head_size));
  if (cfg.relative_attention && !cfg.share_att_key) {
    if (c2p) pos_key_proj = register_module("pos_key_proj", make_linear(cfg.hidden_size, all_head_size));
    if (p2c) pos_query_proj = register_module("pos_query_proj", make_linear(cfg.hidden_size, all_head_size));
  }
}

torch::Tensor DisentangledSelfAttentionImpl::transpose_for_scores(const torch::Tensor& x) const {
  // [B, T, heads*d] -> [B*heads, T, d]
  torch::Tensor y = x.view({x.size(0), x.size(1), num_heads, -1});
  return y.permute({0, 2, 1, 3}).contiguous().view({-1, y.size(1), y.size(-1)});
}

torch::Tensor DisentangledSelfAttentionImpl::forward(const torch::Tensor& hidden, const DebertaV2AttentionInputs& in) {
  const torch::Tensor &mask4 = in.mask4, &relative_pos = in.relative_pos, &rel_embeddings = in.rel_embeddings;
  const int64_t rel_first = in.rel_first;
  torch::Tensor query_layer = transpose_for_scores(query_proj(hidden));
  torch::Tensor key_layer = transpose_for_scores(key_proj(hidden));
  torch::Tensor value_layer = transpose_for_scores(value_proj(hidden));

  const int64_t scale_factor = 1 + (c2p ? 1 : 0) + (p2c ? 1 : 0);
  torch::Tensor scale = attention_scale(query_layer.size(-1), scale_factor);
  torch::Tensor attention_scores =
      gtrain::bmm(query_layer, key_layer.transpose(-1, -2)) / scale.to(query_layer.scalar_type());
  if (cfg.relative_attention) {
    torch::Tensor rel = maybe_dropout(rel_embeddings, cfg.hidden_dropout_prob, is_training());
    torch::Tensor rel_att = disentangled_attention_bias(query_layer, key_layer, relative_pos, rel, scale_factor, rel_first);
    if (rel_att.defined()) attention_scores = attention_scores + rel_att;
  }
  attention_scores =
      attention_scores.view({-1, num_heads, attention_scores.size(-2), attention_scores.size(-1)});

  torch::Tensor attention_probs = masked_softmax(attention_scores, mask4, -1);
  attention_probs = maybe_dropout(attention_probs, cfg.attention_probs_dropout_prob, is_training());
  torch::Tensor context_layer =
      gtrain::bmm(attention_probs.view({-1, attention_probs.size(-2), attention_probs.size(-1)}), value_layer);
  context_layer = context_layer.view({-1, num_heads, context_layer.size(-2), context_layer.size(-1)})
                      .permute({0, 2, 1, 3})
                      .contiguous();
  return context_layer.view({context_layer.size(0), context_layer.size(1), -1});
}

torch::Tensor DisentangledSelfAttentionImpl::disentangled_attention_bias(const torch::Tensor& query_layer,
                                                                         const torch::Tensor& key_layer,
                                                                         const torch::Tensor& relative_pos_in,
                                                                         const torch::Tensor& rel_embeddings_in,
                                                                         int64_t scale_factor, int64_t rel_first) {
  if (!c2p && !p2c) return {};
  const int64_t q_len = query_layer.size(-2), k_len = key_layer.size(-2);
  torch::Tensor relative_pos = relative_pos_in;
  if (!relative_pos.defined())
    relative_pos = relative_buckets(q_len, k_len, cfg.position_buckets, cfg.max_relative_positions).unsqueeze(0);
  if (relative_pos.dim() == 2) {
    relative_pos = relative_pos.unsqueeze(0).unsqueeze(0);
  } else if (relative_pos.dim() == 3) {
    relative_pos = relative_pos.unsqueeze(1);
  } else if (relative_pos.dim() != 4) {
    throw std::runtime_error("DeBERTa: relative position ids must be of dim 2, 3 or 4, got " +
                             std::to_string(relative_pos.dim()));
  }
  const int64_t att_span = pos_ebd_size;
  relative_pos = relative_pos.to(torch::kInt64).to(query_layer.device());

  // Row r of rel_embeddings_in is row rel_first + r of the table; indices shift by rel_first.
  torch::Tensor rel_embeddings = rel_embeddings_in.slice(0, 0, att_span * 2 - rel_first).unsqueeze(0);
  const int64_t rep = query_layer.size(0) / num_heads;
  torch::Tensor pos_query_layer, pos_key_layer;
  if (cfg.share_att_key) {
    pos_query_layer = transpose_for_scores(query_proj(rel_embeddings)).repeat({rep, 1, 1});
    pos_key_layer = transpose_for_scores(key_proj(rel_embeddings)).repeat({rep, 1, 1});
  } else {
    if (c2p) pos_key_layer = transpose_for_scores(pos_key_proj(rel_embeddings)).repeat({rep, 1, 1});
    if (p2c) pos_query_layer = transpose_for_scores(pos_query_proj(rel_embeddings)).repeat({rep, 1, 1});
  }

  torch::Tensor score;
  // content -> position
  if (c2p) {
    torch::Tensor scale = attention_scale(pos_key_layer.size(-1), scale_factor);
    torch::Tensor c2p_att = gtrain::bmm(query_layer, pos_key_layer.transpose(-1, -2));
    torch::Tensor c2p_pos = torch::clamp(relative_pos + att_span, 0, att_span * 2 - 1);
    if (rel_first) c2p_pos = c2p_pos - rel_first;
    c2p_att = torch::gather(c2p_att, -1,
                            c2p_pos.squeeze(0).expand({query_layer.size(0), query_layer.size(1),
                                                       relative_pos.size(-1)}));
    score = c2p_att / scale.to(c2p_att.scalar_type());
  }
  // position -> content
  if (p2c) {
    torch::Tensor scale = attention_scale(pos_query_layer.size(-1), scale_factor);
    torch::Tensor r_pos;
    if (k_len != q_len)
      r_pos = relative_buckets(k_len, k_len, cfg.position_buckets, cfg.max_relative_positions, query_layer.device())
                  .unsqueeze(0);
    else
      r_pos = relative_pos;
    torch::Tensor p2c_pos = torch::clamp(-r_pos + att_span, 0, att_span * 2 - 1);
    if (rel_first) p2c_pos = p2c_pos - rel_first;
    torch::Tensor p2c_att = gtrain::bmm(key_layer, pos_query_layer.transpose(-1, -2));
    p2c_att = torch::gather(p2c_att, -1, p2c_pos.squeeze(0).expand({query_layer.size(0), k_len, k_len}))
                  .transpose(-1, -2);
    torch::Tensor t = p2c_att / scale.to(p2c_att.scalar_type());
    score = score.defined() ? score + t : t;
  }
  return score;
}

// ---------------------------------------------------------------------------------------------
// Layer pieces

// ---------------------------------------------------------------------------------------------
// Encoder

DebertaV2EncoderImpl::DebertaV2EncoderImpl(const DebertaV2Config& c) : cfg(c) {
  layer = register_module("layer", torch::nn::ModuleList());
  for (int64_t i = 0; i < cfg.num_hidden_layers; ++i) layer->push_back(DebertaV2Layer(cfg));
  if (cfg.relative_attention)
    rel_embeddings =
        register_module("rel_embeddings", torch::nn::Embedding(cfg.pos_ebd_size() * 2, cfg.hidden_size));
  if (cfg.norm_rel_layer_norm())
    LayerNorm = register_module("LayerNorm", hf_layer_norm(cfg.hidden_size, cfg.layer_norm_eps));
}

torch::Tensor DebertaV2EncoderImpl::get_rel_embedding(int64_t first, int64_t count) {
  if (!rel_embeddings) return {};
  torch::Tensor r = rel_embeddings->weight;
  if (first > 0 || count >= 0) r = r.slice(0, first, count < 0 ? r.size(0) : first + count);  // LayerNorm is per row
  if (LayerNorm) r = LayerNorm(r);
  return r;
}

torch::Tensor DebertaV2EncoderImpl::forward(const torch::Tensor& hidden, const torch::Tensor& attention_mask,
                                            std::vector<torch::Tensor>* all_hidden_states, bool checkpoint) {
  torch::Tensor mask4;
  if (attention_mask.dim() <= 2) {
    torch::Tensor ext = attention_mask.unsqueeze(1).unsqueeze(2);
    mask4 = (ext * ext.squeeze(-2).unsqueeze(-1)).to(torch::kUInt8);
  } else if (attention_mask.dim() == 3) {
    mask4 = attention_mask.unsqueeze(1);
  } else {
    mask4 = attention_mask;
  }
  torch::Tensor relative_pos;
  int64_t rel_first = 0, rel_count = -1;
  if (cfg.relative_attention) {
    const int64_t T = hidden.size(-2);
    torch::Tensor buckets = relative_buckets(T, T, cfg.position_buckets, cfg.max_relative_positions);
    // A sequence of T tokens indexes only the table rows span + bucket(i - j): pass just those to
    // the layers. The content->position and position->content products then cover ~2T rows instead
    // of 2 * span (512 for DeBERTa-v3; T is ~150 for a Korean sentence with its prompt). The rows
    // left out get no gradient either way, so results are the same.
    const int64_t span = cfg.pos_ebd_size();
    // content->position reads span + r, position->content span - r.
    const int64_t rmin = buckets.min().item<int64_t>(), rmax = buckets.max().item<int64_t>();
    const int64_t lo = std::clamp<int64_t>(std::min(rmin, -rmax) + span, 0, 2 * span - 1);
    const int64_t hi = std::clamp<int64_t>(std::max(rmax, -rmin) + span, 0, 2 * span - 1);
    rel_first = lo, rel_count = hi - lo + 1;
    relative_pos = buckets.to(hidden.device()).unsqueeze(0);
  }
  const DebertaV2AttentionInputs inputs{mask4, relative_pos, get_rel_embedding(rel_first, rel_count), rel_first};

  return run_layers(
      layer->size(),
      [this, inputs](size_t i, const torch::Tensor& x, const torch::Tensor& rel) {
        DebertaV2AttentionInputs with_rel = inputs;
        with_rel.rel_embeddings = rel;  // the checkpoint's own input, so its gradient flows
        return layer->ptr<DebertaV2LayerImpl>(i)->forward(x, with_rel);
      },
      hidden, inputs.rel_embeddings, checkpoint, all_hidden_states);
}

// ---------------------------------------------------------------------------------------------
// Model

DebertaV2ModelImpl::DebertaV2ModelImpl(const DebertaV2Config& c) : EncoderImpl(c.initializer_range), cfg(c) {
  embeddings = register_module("embeddings", DebertaV2Embeddings(cfg));
  encoder = register_module("encoder", DebertaV2Encoder(cfg));
}

torch::Tensor DebertaV2ModelImpl::encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                                         std::vector<torch::Tensor>* all_hidden_states,
                                         const torch::Tensor& token_type_ids) {
  torch::Tensor mask = attention_mask;
  if (!mask.defined())
    mask = torch::ones(input_ids.sizes(), torch::TensorOptions().dtype(torch::kFloat32).device(input_ids.device()));
  if (mask.dim() == 2 && mask.sizes() != input_ids.sizes())
    throw std::runtime_error("DebertaV2Model: attention_mask shape differs from input_ids");
  torch::Tensor embedding_output = embeddings(input_ids, mask, token_type_ids);
  return encoder(embedding_output, mask, all_hidden_states, checkpoint_layers());
}

}  // namespace gtrain
