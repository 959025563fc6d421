#include "model/flops.h"

#include <algorithm>

namespace gtrain {

double encoder_forward_flops(const DebertaV2Config& c, int64_t rows, int64_t seq_len) {
  const double H = static_cast<double>(c.hidden_size), I = static_cast<double>(c.intermediate_size);
  const double T = static_cast<double>(seq_len), tokens = static_cast<double>(rows) * T;
  const double rel_terms = c.relative_attention ? (c.has_c2p() ? 1.0 : 0.0) + (c.has_p2c() ? 1.0 : 0.0) : 0.0;
  const double rel_rows = c.relative_attention ? 2.0 * static_cast<double>(c.pos_ebd_size()) : 0.0;
  const double per_token = 8 * H * H + 4 * H * I + 4 * T * H + rel_terms * 2 * rel_rows * H;
  const double per_batch = rel_terms * 2 * rel_rows * H * H;
  double f = static_cast<double>(c.num_hidden_layers) * (tokens * per_token + per_batch);
  if (c.embedding_size != c.hidden_size && c.embedding_size > 0)  // embed_proj E -> H
    f += 2 * tokens * static_cast<double>(c.embedding_size) * H;
  return f;
}

double encoder_forward_flops(const BertConfig& c, int64_t rows, int64_t seq_len) {
  const double H = static_cast<double>(c.hidden_size), I = static_cast<double>(c.intermediate_size);
  const double T = static_cast<double>(seq_len), tokens = static_cast<double>(rows) * T;
  double f = static_cast<double>(c.num_hidden_layers) * tokens * (8 * H * H + 4 * H * I + 4 * T * H);
  if (c.has_embeddings_project()) f += 2 * tokens * static_cast<double>(c.embedding_size) * H;  // ELECTRA E -> H
  return f;
}

double encoder_forward_flops(const EncoderConfig& c, int64_t rows, int64_t seq_len) {
  return c.is_deberta() ? encoder_forward_flops(c.deberta, rows, seq_len) : encoder_forward_flops(c.bert, rows, seq_len);
}

double span_head_forward_flops(int64_t hidden, const BatchShape& s) {
  const double H = static_cast<double>(hidden);
  return static_cast<double>(s.word_slots()) * 48 * H * H + static_cast<double>(s.spans) * 8 * H * H +
         static_cast<double>(s.spans) * static_cast<double>(s.labels) * 2 * H;
}

StepFlops step_flops(const EncoderConfig& c, const BatchShape& s) {
  StepFlops f;
  f.encoder = encoder_forward_flops(c, s.rows, s.seq_len);
  f.heads = span_head_forward_flops(c.hidden_size(), s);
  return f;
}

int64_t candidate_spans(int64_t words, int64_t max_width) {
  int64_t n = 0;
  for (int64_t i = 0; i < words; ++i) n += std::min(max_width, words - i);
  return n;
}

}  // namespace gtrain
