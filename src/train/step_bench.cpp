#include "train/step_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <stdexcept>

#include "model/gliner2_model.h"
#include "train/optimizer.h"
#include "train/threads.h"

namespace gtrain {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

DebertaV2Config shape_config(const std::string& shape) {
  DebertaV2Config c;
  c.relative_attention = true;
  c.pos_att_type = {"p2c", "c2p"};
  c.share_att_key = true;
  c.norm_rel_ebd = "layer_norm";
  c.position_biased_input = false;
  c.max_relative_positions = -1;
  c.position_buckets = 256;
  c.vocab_size = 128011;  // DeBERTa-v3's 128,000 pieces + [MASK] + GLiNER2's ten tokens
  if (shape == "toy") {   // the gliner2_tiny fixture's encoder
    c.hidden_size = 64, c.num_hidden_layers = 2, c.num_attention_heads = 4, c.intermediate_size = 128;
    c.vocab_size = 523, c.position_buckets = 32;
  } else if (shape == "xsmall") {
    c.hidden_size = 384, c.num_hidden_layers = 12, c.num_attention_heads = 6, c.intermediate_size = 1536;
  } else if (shape == "small") {
    c.hidden_size = 768, c.num_hidden_layers = 6, c.num_attention_heads = 12, c.intermediate_size = 3072;
  } else if (shape == "base") {
    c.hidden_size = 768, c.num_hidden_layers = 12, c.num_attention_heads = 12, c.intermediate_size = 3072;
  } else {
    throw std::invalid_argument("bench step: unknown shape '" + shape + "' (toy, xsmall, small, base)");
  }
  c.embedding_size = c.hidden_size;
  return c;
}

// One synthetic batch: prompt "( [P] entities ( [E] l1 [E] l2 [E] l3 [E] l4 ) ) [SEP_TEXT]" as
// ~20 tokens, then 40-120 text tokens grouped into words of 1-3 tokens, 1-3 gold spans.
Gliner2Batch synthetic_batch(std::mt19937_64& rng, int B, int64_t vocab, int64_t max_width, bool sorted) {
  std::uniform_int_distribution<int> text_len(40, 120), word_len(1, 3), n_gold(1, 3);
  std::uniform_int_distribution<int64_t> tok(20, vocab - 12);
  std::vector<int> lens(static_cast<size_t>(B));
  for (int& l : lens) l = text_len(rng);
  if (sorted) std::sort(lens.begin(), lens.end());
  const int prompt = 20;
  const int T = prompt + *std::max_element(lens.begin(), lens.end());
  Gliner2Batch b;
  b.input_ids = torch::zeros({B, T}, torch::kInt64);
  b.attention_mask = torch::zeros({B, T}, torch::kInt64);
  for (int i = 0; i < B; ++i) {
    const int n = prompt + lens[static_cast<size_t>(i)];
    for (int t = 0; t < n; ++t) b.input_ids[i][t] = tok(rng);
    b.attention_mask[i].slice(0, 0, n).fill_(1);
    Gliner2Example ex;
    ex.schema_pos = {1, 5, 8, 11, 14};
    for (int t = prompt; t < n; t += word_len(rng)) ex.word_pos.push_back(t);
    ex.gold_spans.resize(4);
    const int64_t L = ex.num_words();
    for (int g = n_gold(rng); g > 0; --g) {
      const int64_t s = std::uniform_int_distribution<int64_t>(0, L - 1)(rng);
      const int64_t w = std::uniform_int_distribution<int64_t>(0, std::min<int64_t>(max_width - 1, L - 1 - s))(rng);
      ex.gold_spans[static_cast<size_t>(g % 4)].emplace_back(s, s + w);
    }
    b.examples.push_back(std::move(ex));
  }
  return b;
}

}  // namespace

void run_step_bench(const StepBenchOptions& o) {
  configure_torch_threads(o.threads);
  torch::manual_seed(static_cast<int64_t>(o.seed));
  ExtractorConfig ec;
  ec.counting_layer = "count_lstm";
  Extractor model(ec, shape_config(o.shape));
  model->init_weights();
  model->train();
  OptimConfig oc;
  oc.encoder_lr = 2e-5;
  oc.head_lr = 5e-4;
  TrainOptimizer opt = make_optimizer(*model, oc);
  int64_t params = 0;
  for (const auto& p : model->parameters()) params += p.numel();

  std::mt19937_64 rng(o.seed);
  double t_enc = 0, t_fwd = 0, t_bwd = 0, t_opt = 0;
  int64_t real_tokens = 0, padded_tokens = 0;
  for (int it = 0; it < o.warmup + o.steps; ++it) {
    Gliner2Batch b = synthetic_batch(rng, o.batch_size, model->encoder_config.vocab_size, model->max_width(),
                                     o.sort_by_length);
    const bool timed = it >= o.warmup;
    // Encoder forward alone (a separate call, so the split needs no hooks inside the model).
    auto t0 = Clock::now();
    { torch::Tensor h = model->encoder->forward(b.input_ids, b.attention_mask); }
    const double enc = since(t0);
    t0 = Clock::now();
    Gliner2ForwardOptions fo;
    fo.count_logits = false;
    Gliner2Output out = model->forward(b, fo);
    torch::Tensor loss = model->loss(out, b).total;
    const double fwd = since(t0);
    t0 = Clock::now();
    loss.backward();
    const double bwd = since(t0);
    t0 = Clock::now();
    torch::nn::utils::clip_grad_norm_(opt.params, 1.0);
    opt.adamw->step();
    for (auto& p : opt.params) p.mutable_grad() = torch::Tensor();
    const double op = since(t0);
    if (!timed) continue;
    t_enc += enc, t_fwd += fwd, t_bwd += bwd, t_opt += op;
    real_tokens += b.attention_mask.sum().item<int64_t>();
    padded_tokens += b.attention_mask.numel();
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  const double n = o.steps;
  const double step = (t_fwd + t_bwd + t_opt) / n;
  std::printf("shape %s (%lld parameters), batch %d, %d timed steps after %d warm-up, %d threads%s\n", o.shape.c_str(),
              (long long)params, o.batch_size, o.steps, o.warmup, torch::get_num_threads(),
              o.sort_by_length ? ", length-sorted batches" : "");
  std::printf("  step          %9.1f ms\n", 1e3 * step);
  std::printf("    forward     %9.1f ms  (encoder %.1f ms measured separately, heads + loss %.1f ms)\n",
              1e3 * t_fwd / n, 1e3 * t_enc / n, 1e3 * std::max(0.0, t_fwd - t_enc) / n);
  std::printf("    backward    %9.1f ms\n", 1e3 * t_bwd / n);
  std::printf("    optimizer   %9.1f ms  (clip + AdamW)\n", 1e3 * t_opt / n);
  std::printf("  tokens/s      %9.0f  (real tokens; padding %.1f%% of the batch tensor)\n",
              real_tokens / (step * n), 100.0 * (1.0 - double(real_tokens) / double(padded_tokens)));
  std::printf("  peak RSS      %9.0f MiB\n", ru.ru_maxrss / 1024.0);
}

}  // namespace gtrain
