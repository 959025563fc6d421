#include "plan/units.h"
#include "plan/memory_model.h"

#include <algorithm>

namespace gtrain {

namespace {

using plan_units::kGiB;

}  // namespace

ActivationBytes activation_bytes(const EncoderConfig& enc, const BatchShape& b, const MemorySettings& s) {
  const bool half = s.precision != Precision::FP32;
  // Matrix-product outputs are half under autocast; LayerNorm, softmax and residual sums stay fp32.
  const double a = half ? 2.0 : 4.0;
  const double H = static_cast<double>(enc.hidden_size()), I = static_cast<double>(enc.intermediate_size());
  const double heads = static_cast<double>(enc.num_attention_heads());
  const double L = static_cast<double>(enc.num_hidden_layers());
  const double T = static_cast<double>(b.seq_len);
  const double tokens = static_cast<double>(b.rows) * T;
  ActivationBytes r;
  // Embeddings: the summed embedding (LayerNorm input), its output, the dropout mask and output.
  r.embeddings = tokens * (4 * H + 4 * H + H + 4 * H);
  // One layer, per token: Q, K, V and the attention context (a each); softmax output, dropout mask
  // and output per head and key (4 + 1 + 4 bytes; + a half copy for the AV product under
  // autocast); the output dropout mask, LayerNorm input and output after attention and after the
  // FFN (4 bytes each, 1 for masks); the FFN's GELU input and output (I each); under autocast the
  // half copies of the two LayerNorm outputs the next matrix products read.
  const double score_bytes = 9.0 + (half ? 2.0 : 0.0);
  const double per_token = a * (4 * H + 2 * I) + 2 * H + 16 * H + heads * T * score_bytes + (half ? 4 * H : 0.0);
  const double layer = tokens * per_token;
  // DeBERTa's relative terms: [heads, T, 2S] products of the queries and keys with the position
  // rows, gathered and summed into the scores before the softmax (nothing more is saved); they
  // count in the working set of the layer being differentiated.
  double rel = 0;
  if (enc.is_deberta() && enc.deberta.relative_attention) {
    const double terms = (enc.deberta.has_c2p() ? 1.0 : 0.0) + (enc.deberta.has_p2c() ? 1.0 : 0.0);
    rel = tokens * heads * 2.0 * static_cast<double>(enc.deberta.pos_ebd_size()) * 4.0 * terms;
  }
  if (s.gradient_checkpointing) {
    // Only each layer's input is kept; the backward pass recomputes one layer at a time.
    r.encoder_layers = L * tokens * 4 * H;
    r.one_layer = layer + rel;
  } else {
    r.encoder_layers = L * layer;
    r.one_layer = rel;
  }
  // GLiNER2 head. Per word slot (rows x padded words): the gathered word vectors, project_start and
  // project_end (ReLU output, dropout mask and output of their 4H layer each), their H outputs.
  const double slots = static_cast<double>(b.rows * b.words);
  const double per_slot = a * H + (half ? 2 * H : 0.0) + 2 * (8 * H * a + 4 * H) + 2 * H * a;
  // Per valid span: the ReLU'd 4H hidden layer, its dropout mask and output, the H span vector;
  // per padded span slot (rows x words x max width) the scattered span vector the scores read.
  const double spans = static_cast<double>(b.spans);
  const double per_span = 9 * H * a + 4 * H;
  r.heads = slots * per_slot + spans * per_span + slots * static_cast<double>(b.max_width) * H * a;
  // Scores and loss: spans x labels, a few tensors of each.
  r.heads += spans * static_cast<double>(b.labels) * 4 * 4;
  // The backward pass of the span layer holds the gradients of its [spans, 4H] hidden layer and of
  // the two gathered halves at once.
  r.one_layer = std::max(r.one_layer, spans * 3 * 4 * H * a);
  return r;
}

MemoryEstimate estimate_memory(const EncoderConfig& enc, const ParamCount& params, const BatchShape& b,
                               const MemorySettings& s) {
  MemoryEstimate m;
  const double P = static_cast<double>(params.total()), Pt = static_cast<double>(params.trainable);
  m.weights = 4 * P;
  // Autocast casts each matrix weight once per forward and keeps the copy for the backward pass:
  // every parameter except the embedding tables.
  const double embedding_params = static_cast<double>(enc.vocab_size()) * static_cast<double>(enc.embedding_size());
  if (s.precision != Precision::FP32) m.half_copies = 2 * std::max(0.0, P - embedding_params);
  m.gradients = 4 * Pt;
  m.optimizer = 8 * Pt;
  const ActivationBytes act = activation_bytes(enc, b, s);
  m.activations = act.total();
  // Heads' gradients exist when the encoder's backward starts (the heads are differentiated first).
  const double head_grads = 4 * std::min(Pt, static_cast<double>(params.heads));
  // On one CPU process the word-embedding table's gradient buffer is kept from one step to the
  // next (model/embedding.h: 32 MiB and more, not in a reducer's bucket), so it is resident
  // through the forward and the early backward too.
  const double table_grad = 4 * embedding_params;
  const bool table_trained = params.trainable == params.total();  // LoRA freezes it
  const bool kept_table = !s.cuda && s.ranks == 1 && table_trained && table_grad >= 32.0 * 1024 * 1024;
  m.backward_peak = std::max(m.activations + head_grads + (kept_table ? table_grad : 0.0) + act.one_layer,
                             m.gradients + act.one_layer);
  if (s.ranks > 1) m.buckets = 2 * s.bucket_mb * 1024 * 1024;  // one bucket reduced, one filling
  if (s.cuda) {
    // CUDA context and cuBLAS workspace outside the caching allocator, and its slack.
    m.workspace = 0.5 * kGiB + 0.10 * (m.weights + m.half_copies + m.optimizer + m.backward_peak);
  }
  return m;
}

BatchShape largest_batch(const EpochWork& work, int64_t rows) {
  BatchShape b;
  b.rows = rows;
  b.labels = work.labels;
  int64_t max_spans = 0;
  for (const RowWork& r : work.rows) {
    b.seq_len = std::max(b.seq_len, r.tokens);
    b.words = std::max(b.words, r.words);
    max_spans = std::max(max_spans, r.spans);
  }
  b.spans = rows * max_spans;
  b.max_width = work.max_width;
  return b;
}

int64_t largest_fitting_batch(const EncoderConfig& enc, const ParamCount& params, const EpochWork& work,
                              const MemorySettings& s, double capacity, int64_t max_rows) {
  // Memory grows with the rows: find the last that fits by bisection (the rows scanned once).
  const BatchShape one = largest_batch(work, 1);
  auto fits = [&](int64_t rows) {
    BatchShape b = one;
    b.rows = rows;
    b.spans = one.spans * rows;
    return estimate_memory(enc, params, b, s).total() <= capacity;
  };
  if (!fits(1)) return 0;
  int64_t lo = 1, hi = max_rows;
  if (fits(hi)) return hi;
  while (hi - lo > 1) {
    const int64_t mid = (lo + hi) / 2;
    (fits(mid) ? lo : hi) = mid;
  }
  return lo;
}

}  // namespace gtrain
