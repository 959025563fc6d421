#include "model/gliner2_model.h"

#include <algorithm>
#include <stdexcept>

#include "model/state_dict.h"
#include "model/matmul.h"

namespace gtrain {

namespace F = torch::nn::functional;

namespace {

constexpr int64_t kCountClasses = 20;

torch::Tensor to_device(const torch::Tensor& t, const torch::Device& d) { return d.is_cpu() ? t : t.to(d); }

}  // namespace

// ---------------------------------------------------------------------------------------------
// Output views

torch::Tensor Gliner2Output::example_span_logits(int64_t i) const {
  return span_logits[i].narrow(0, 0, num_fields.at(i)).narrow(1, 0, num_words.at(i));
}
torch::Tensor Gliner2Output::example_span_rep(int64_t i) const { return span_rep[i].narrow(0, 0, num_words.at(i)); }
torch::Tensor Gliner2Output::example_struct_proj(int64_t i) const {
  return struct_proj[i].narrow(0, 0, num_fields.at(i));
}
torch::Tensor Gliner2Output::example_word_embs(int64_t i) const { return word_embs[i].narrow(0, 0, num_words.at(i)); }
torch::Tensor Gliner2Output::example_schema_embs(int64_t i) const {
  return schema_embs[i].narrow(0, 0, 1 + num_fields.at(i));
}

// ---------------------------------------------------------------------------------------------
// Extractor

ExtractorImpl::ExtractorImpl(const ExtractorConfig& cfg, const EncoderConfig& enc_cfg)
    : config(cfg), encoder_config(enc_cfg) {
  const int64_t D = enc_cfg.hidden_size();
  encoder = register_module("encoder", make_encoder(enc_cfg));
  span_rep = register_module("span_rep", SpanRepLayer(D, cfg.max_width, cfg.head_dropout));
  classifier = register_module("classifier", Mlp(std::vector<int64_t>{D, 2 * D, 1}, false));
  count_pred = register_module("count_pred", Mlp(std::vector<int64_t>{D, 2 * D, kCountClasses}, false));
  count_embed = register_module("count_embed", CountEmbed(D, cfg.counting(), 20));
}

torch::Tensor ExtractorImpl::classify(const torch::Tensor& label_embs) {
  return classifier->forward(label_embs).squeeze(-1);
}

void ExtractorImpl::load_checkpoint_tensors(const std::map<std::string, torch::Tensor>& tensors, bool strict) {
  load_state(*this, tensors, "", strict);
}

Gliner2Output ExtractorImpl::forward(const Gliner2Batch& batch, const Gliner2ForwardOptions& opts) {
  const torch::Tensor& ids = batch.input_ids;
  if (!ids.defined() || ids.dim() != 2) throw std::invalid_argument("Extractor: input_ids must be [B, T]");
  const int64_t B = ids.size(0), T = ids.size(1);
  if (static_cast<int64_t>(batch.examples.size()) != B)
    throw std::invalid_argument("Extractor: " + std::to_string(batch.examples.size()) + " examples for a batch of " +
                                std::to_string(B) + " rows");
  const int64_t W = config.max_width;
  const torch::Device dev = ids.device();

  Gliner2Output out;
  int64_t Lmax = 0, Mmax = 0;
  for (int64_t b = 0; b < B; ++b) {
    const Gliner2Example& ex = batch.examples[b];
    if (ex.schema_pos.empty())
      throw std::invalid_argument("Extractor: example " + std::to_string(b) + " has no schema tokens ([P] missing)");
    out.num_words.push_back(ex.num_words());
    out.num_fields.push_back(ex.num_fields());
    Lmax = std::max(Lmax, ex.num_words());
    Mmax = std::max(Mmax, ex.num_fields());
  }

  // Gather indices into the flattened [B*T, D] encoder output (built on the CPU, moved once).
  torch::Tensor word_idx = torch::empty({B * Lmax}, torch::kInt64);
  torch::Tensor schema_idx = torch::empty({B * (1 + Mmax)}, torch::kInt64);
  torch::Tensor field_mask = torch::zeros({B, Mmax}, torch::kBool);
  torch::Tensor attn_pad = torch::zeros({B, Mmax}, torch::kBool);  // count_lstm_v2 key padding
  {
    int64_t* pw = word_idx.data_ptr<int64_t>();
    int64_t* ps = schema_idx.data_ptr<int64_t>();
    bool* pf = field_mask.data_ptr<bool>();
    bool* pa = attn_pad.data_ptr<bool>();
    auto check = [&](int64_t b, int64_t p, const char* what) {
      if (p < 0 || p >= T)
        throw std::invalid_argument("Extractor: example " + std::to_string(b) + ": " + what + " position " +
                                    std::to_string(p) + " outside the sequence [0, " + std::to_string(T) + ")");
      return b * T + p;
    };
    for (int64_t b = 0; b < B; ++b) {
      const Gliner2Example& ex = batch.examples[b];
      const int64_t L = ex.num_words(), M = ex.num_fields();
      for (int64_t i = 0; i < Lmax; ++i) pw[b * Lmax + i] = i < L ? check(b, ex.word_pos[i], "word") : b * T;
      for (int64_t k = 0; k < 1 + Mmax; ++k)
        ps[b * (1 + Mmax) + k] = k < 1 + M ? check(b, ex.schema_pos[k], "schema token") : b * T;
      for (int64_t k = 0; k < Mmax; ++k) {
        pf[b * Mmax + k] = k < M;
        // A row with no real field must not mask every key (softmax of all -inf is NaN).
        pa[b * Mmax + k] = M > 0 && k >= M;
      }
    }
  }
  word_idx = to_device(word_idx, dev);
  schema_idx = to_device(schema_idx, dev);
  out.field_mask = to_device(field_mask, dev);
  attn_pad = to_device(attn_pad, dev);

  out.hidden = encoder->forward(ids, batch.attention_mask, opts.all_hidden_states);
  const int64_t D = out.hidden.size(2);
  torch::Tensor flat = out.hidden.reshape({B * T, D});
  out.word_embs = flat.index_select(0, word_idx).view({B, Lmax, D});
  out.schema_embs = flat.index_select(0, schema_idx).view({B, 1 + Mmax, D});

  SpanIndex sidx = SpanIndex::build(out.num_words, Lmax, W, dev);
  out.span_valid = sidx.valid;
  out.span_rep = span_rep->forward(out.word_embs, sidx);  // [B, Lmax, W, D]

  torch::Tensor fields = out.schema_embs.narrow(1, 1, Mmax);
  out.struct_proj = count_embed->forward(fields, 1, attn_pad).select(0, 0);  // [B, Mmax, D]

  // scores[b, p, l, k] = <span_rep[b, l, k], struct_proj[b, p]>. Same operand order as the
  // reference's einsum("lkd,bpd->bplk") (span_rep [LK, D] @ struct_proj^T [D, P]), so the GEMMs
  // round alike.
  out.span_logits = gtrain::bmm(out.span_rep.reshape({B, Lmax * W, D}), out.struct_proj.transpose(1, 2))
                        .transpose(1, 2)
                        .reshape({B, Mmax, Lmax, W});
  out.span_mask = out.field_mask.view({B, Mmax, 1, 1}) & out.span_valid.view({B, 1, Lmax, W});

  if (opts.count_logits) out.count_logits = count_pred->forward(out.schema_embs.select(1, 0));
  return out;
}

Gliner2Loss ExtractorImpl::loss(const Gliner2Output& out, const Gliner2Batch& batch, const Gliner2LossOptions& opts) {
  const torch::Tensor& logits = out.span_logits;
  const int64_t B = logits.size(0), Mmax = logits.size(1), Lmax = logits.size(2), W = logits.size(3);
  if (static_cast<int64_t>(batch.examples.size()) != B)
    throw std::invalid_argument("Extractor::loss: batch and output sizes differ");

  torch::Tensor labels = torch::zeros({B, Mmax, Lmax, W}, torch::kFloat32);
  torch::Tensor weights = torch::ones({B}, torch::kFloat32);
  {
    float* pl = labels.data_ptr<float>();
    float* pw = weights.data_ptr<float>();
    for (int64_t b = 0; b < B; ++b) {
      const Gliner2Example& ex = batch.examples[b];
      const int64_t L = out.num_words[b], M = out.num_fields[b];
      if (static_cast<int64_t>(ex.gold_spans.size()) > M)
        throw std::invalid_argument("Extractor::loss: example " + std::to_string(b) + " has gold spans for " +
                                    std::to_string(ex.gold_spans.size()) + " types but " + std::to_string(M) +
                                    " [E] fields");
      for (size_t k = 0; k < ex.gold_spans.size(); ++k)
        for (const auto& [s, e] : ex.gold_spans[k]) {
          const int64_t w = e - s;
          if (s < 0 || s >= L || w < 0 || w >= W) continue;  // silently dropped, as in GLiNER2
          pl[((b * Mmax + static_cast<int64_t>(k)) * Lmax + s) * W + w] = 1.0f;
        }
      pw[b] = ex.weight;
    }
  }
  const torch::Device dev = logits.device();
  labels = to_device(labels, dev).to(logits.scalar_type());

  torch::Tensor keep = out.span_mask;
  const bool mask_neg = opts.mask_negatives.value_or(is_training()) && opts.masking_rate > 0;
  if (mask_neg) {
    torch::Tensor r;
    if (opts.generator) {
      const at::Generator& g = *opts.generator;
      const torch::Device gdev = g.device();
      r = torch::rand({B, Mmax, Lmax, W}, g, torch::TensorOptions().dtype(logits.scalar_type()).device(gdev));
      if (gdev != dev) r = r.to(dev);
    } else {
      r = torch::rand({B, Mmax, Lmax, W}, logits.options());
    }
    // Dropped: negative & rand < rate.
    keep = keep & ((labels != 0) | (r >= opts.masking_rate));
  }

  // BCE with logits as t*softplus(-x) + (1-t)*softplus(x) (= softplus(x) - t*x): neither term
  // cancels. LibTorch 2.x's fused kernel forms x + log1p(exp(-x))-style differences whose fp32
  // rounding, summed over the thousands of well-classified negative cells, moved a small loss by
  // 6e-5 relative (gliner2_tiny_v2); this form stays at fp64's value within 1e-6.
  const torch::Tensor t = labels.to(logits.scalar_type());
  torch::Tensor bce = t * F::softplus(-logits) + (1 - t) * F::softplus(logits);
  torch::Tensor cell = torch::where(keep, bce, torch::zeros({}, bce.options()));
  Gliner2Loss res;
  res.per_example = cell.reshape({B, -1}).sum(1);
  if (opts.apply_weights) res.per_example = res.per_example * to_device(weights, dev).to(res.per_example.scalar_type());
  res.total = res.per_example.sum();
  res.labels = labels;
  return res;
}

}  // namespace gtrain
