#include "train/step_bench.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>

#include "model/accumulate_grad.h"
#include "model/embedding.h"
#include "model/flops.h"
#include "model/gliner2_model.h"
#include "model/matmul.h"
#include "train/mixed_precision.h"
#include "train/optimizer.h"
#include "train/gemm_bench.h"
#include "train/replay_batches.h"
#include "train/runtime_info.h"
#include "model/threads.h"

namespace gtrain {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

// The bench model's encoder: a named size (toy = the gliner2_tiny fixture's encoder) of a family.
// DeBERTa-v3 gets DeBERTa-v3's vocabulary (128,000 pieces + [MASK] + GLiNER2's ten tokens); the
// BERT family a Korean WordPiece vocabulary's size (klue/roberta-base: 32,000 + the ten).
EncoderConfig bench_encoder_config(const std::string& shape, const std::string& family) {
  int64_t H, L, heads, I;
  if (shape == "toy") H = 64, L = 2, heads = 4, I = 128;
  else if (shape == "xsmall") H = 384, L = 12, heads = 6, I = 1536;
  else if (shape == "small") H = 768, L = 6, heads = 12, I = 3072;
  else if (shape == "base") H = 768, L = 12, heads = 12, I = 3072;
  else throw std::invalid_argument("bench step: unknown shape '" + shape + "' (toy, xsmall, small, base)");
  if (family == "deberta") {
    if (shape == "toy") return DebertaV2Config::v3(H, L, heads, I, 523, 32);
    return DebertaV2Config::v3(H, L, heads, I, 128011, 256);
  }
  if (!BertConfig::handles(family))
    throw std::invalid_argument("bench step: unknown encoder '" + family + "' (deberta, bert, roberta, electra, xlm-roberta)");
  const int64_t vocab = shape == "toy" ? 523 : family == "xlm-roberta" ? 250012 : 32010;
  return BertConfig::sized(family, H, L, heads, I, vocab, family == "roberta" || family == "xlm-roberta" ? 1 : 0);
}

namespace {

// A "Name:  N kB" line of /proc/self/status, in bytes (0 when absent).
double status_bytes(const char* name) {
  double v = 0;
  if (FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    const size_t n = std::strlen(name);
    while (std::fgets(line, sizeof line, f))
      if (std::strncmp(line, name, n) == 0) v = std::atof(line + n) * 1024.0;
    std::fclose(f);
  }
  return v;
}

// Lengths of one synthetic row: text tokens, and its words (0 = group tokens into 1-3).
struct RowLength {
  int tokens = 0, words = 0;
};

// Text lengths of the next synthetic batch: 40-120 tokens each; with seq_len > 0 every row holds
// exactly seq_len tokens (the GPU shapes: batch 8 x 512). `sorted` batches as the trainer does
// (data/sharding.h): draw a window of 50 batches' lengths, sort it, cut it into batches, take them
// in shuffled order.
// `rows` (when given) are real rows' (text tokens, units) to draw from instead.
std::vector<RowLength> next_lengths(std::mt19937_64& rng, int B, bool sorted, int seq_len, int prompt,
                                    const std::vector<std::pair<int, int>>& rows,
                                    std::vector<std::vector<RowLength>>* pool) {
  std::uniform_int_distribution<int> text_len(40, 120);
  std::uniform_int_distribution<size_t> pick(0, rows.empty() ? 0 : rows.size() - 1);
  auto draw = [&] {
    if (rows.empty()) return RowLength{text_len(rng), 0};
    const auto& r = rows[pick(rng)];
    return RowLength{std::max(1, r.first), std::max(1, std::min(r.first, r.second))};
  };
  if (seq_len > 0) return std::vector<RowLength>(static_cast<size_t>(B), RowLength{seq_len - prompt, 0});
  if (!sorted) {
    std::vector<RowLength> lens(static_cast<size_t>(B));
    for (RowLength& l : lens) l = draw();
    return lens;
  }
  if (pool->empty()) {
    std::vector<RowLength> window(static_cast<size_t>(50 * B));
    for (RowLength& l : window) l = draw();
    std::sort(window.begin(), window.end(), [](const RowLength& a, const RowLength& b) { return a.tokens < b.tokens; });
    for (size_t i = 0; i < window.size(); i += static_cast<size_t>(B))
      pool->emplace_back(window.begin() + static_cast<long>(i), window.begin() + static_cast<long>(i + B));
    std::shuffle(pool->begin(), pool->end(), rng);
  }
  std::vector<RowLength> lens = std::move(pool->back());
  pool->pop_back();
  return lens;
}

// One synthetic batch: prompt "( [P] entities ( [E] l1 [E] l2 [E] l3 [E] l4 ) ) [SEP_TEXT]" as
// `prompt` tokens (~20 for 4 labels), then the given text lengths, grouped into words of 1-3
// tokens (or the row's own word count), 1-3 gold spans.
Gliner2Batch synthetic_batch(std::mt19937_64& rng, const std::vector<RowLength>& lens, int64_t vocab, int64_t max_width,
                             int prompt, int labels) {
  std::uniform_int_distribution<int> word_len(1, 3), n_gold(1, 3);
  std::uniform_int_distribution<int64_t> tok(20, vocab - 12);
  const int B = static_cast<int>(lens.size());
  int longest = 0;
  for (const RowLength& l : lens) longest = std::max(longest, l.tokens);
  const int T = prompt + longest;
  Gliner2Batch b;
  b.input_ids = torch::zeros({B, T}, torch::kInt64);
  b.attention_mask = torch::zeros({B, T}, torch::kInt64);
  for (int i = 0; i < B; ++i) {
    const RowLength& row = lens[static_cast<size_t>(i)];
    const int n = prompt + row.tokens;
    for (int t = 0; t < n; ++t) b.input_ids[i][t] = tok(rng);
    b.attention_mask[i].slice(0, 0, n).fill_(1);
    Gliner2Example ex;
    // [P] at 1, the label markers spread over the rest of the prompt (before [SEP_TEXT]).
    ex.schema_pos = {1};
    for (int k = 0; k < labels; ++k) ex.schema_pos.push_back(std::min(prompt - 2, 3 + k * std::max(1, (prompt - 5) / labels)));
    if (row.words > 0)
      for (int w = 0; w < row.words; ++w) ex.word_pos.push_back(prompt + static_cast<int>(int64_t(w) * row.tokens / row.words));
    else
      for (int t = prompt; t < n; t += word_len(rng)) ex.word_pos.push_back(t);
    ex.gold_spans.resize(static_cast<size_t>(labels));
    const int64_t L = ex.num_words();
    for (int g = n_gold(rng); g > 0; --g) {
      const int64_t s = std::uniform_int_distribution<int64_t>(0, L - 1)(rng);
      const int64_t w = std::uniform_int_distribution<int64_t>(0, std::min<int64_t>(max_width - 1, L - 1 - s))(rng);
      ex.gold_spans[static_cast<size_t>(g % labels)].emplace_back(s, s + w);
    }
    b.examples.push_back(std::move(ex));
  }
  return b;
}

// Dense peak FLOP/s of known GPUs per precision (vendor datasheets, no sparsity). fp32 is the
// CUDA-core rate: LibTorch leaves TF32 matrix products off by default.
double gpu_peak_tflops(const std::string& name, const std::string& precision) {
  struct Row { const char* key; double fp32, half; };
  static const Row rows[] = {
      {"H200", 66.9, 989.4},      {"H100 PCIe", 51.2, 756.5}, {"H100", 66.9, 989.4}, {"A100", 19.5, 312.0},
      {"L4", 30.3, 121.0},        {"A10G", 31.2, 70.0},        {"A10", 31.2, 125.0},  {"T4", 8.1, 65.0},
      {"V100", 15.7, 125.0},
  };
  for (const Row& r : rows)
    if (name.find(r.key) != std::string::npos) {
      if (precision == "fp32") return r.fp32;
      if (precision == "bf16" && std::string(r.key) == "T4") return 0;  // no bf16 tensor cores
      return r.half;
    }
  return 0;
}

void sync(const torch::Device& d) {
  if (d.is_cuda()) torch::cuda::synchronize(d.index());
}

// The options' precision and device, refused with the option's name when unknown or unusable here.
std::pair<Precision, torch::Device> checked_precision_and_device(const StepBenchOptions& o) {
  Precision prec = Precision::FP32;
  bool known = false;
  for (Precision p : {Precision::FP32, Precision::FP16, Precision::BF16})
    if (precision_name(p) == o.precision) prec = p, known = true;
  if (!known) throw std::invalid_argument("bench step: --precision must be fp32, fp16 or bf16");
  if (o.device != "cpu" && o.device != "cuda") throw std::invalid_argument("bench step: --device must be cpu or cuda");
  if (o.device == "cuda" && !torch::cuda::is_available())
    throw std::invalid_argument("bench step: --device cuda, but no CUDA device is visible");
  const torch::Device device = o.device == "cuda" ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  check_precision(prec, device);
  if (o.seq_len != 0 && o.seq_len < 32) throw std::invalid_argument("bench step: --seq-len must be 0 or >= 32");
  if (o.labels < 1 || o.prompt_tokens < o.labels + 6)
    throw std::invalid_argument("bench step: the prompt needs at least labels + 6 tokens");
  return {prec, device};
}

// The shape the FLOP count of a batch depends on (model/flops.h).
BatchShape batch_shape(const Gliner2Batch& b, int64_t max_width) {
  BatchShape sh;
  sh.rows = b.input_ids.size(0);
  sh.seq_len = b.input_ids.size(1);
  for (const Gliner2Example& ex : b.examples) sh.words = std::max(sh.words, ex.num_words());
  sh.max_width = max_width;
  for (const Gliner2Example& ex : b.examples) sh.spans += candidate_spans(ex.num_words(), max_width);
  sh.labels = 0;
  for (const Gliner2Example& ex : b.examples) sh.labels = std::max(sh.labels, ex.num_fields());
  return sh;
}

// The peak the step's MFU is a share of: --peak-tflops, a GPU's datasheet figure, or this CPU's
// measured matrix-product rate; dev_name and source say which.
double peak_tflops(const StepBenchOptions& o, Precision prec, const torch::Device& device, std::string* dev_name,
                   std::string* source) {
  double peak = o.peak_tflops;
  if (device.is_cuda()) {
    const RuntimeInfo ri = runtime_info();
    if (!ri.gpus.empty()) *dev_name = ri.gpus[0].name;
    if (peak <= 0) peak = gpu_peak_tflops(*dev_name, o.precision), *source = "datasheet dense peak of " + *dev_name;
  } else if (peak <= 0) {
    // The CPU's achieved 1024^3 product rate, same threads and product path as the model's.
    peak = cpu_product_flops(1, 1024, 1024, 1024, prec == Precision::BF16, /*reps=*/8) / 1e12;
    *source = std::string("this CPU's measured ") + (prec == Precision::BF16 ? "bf16" : "fp32") + " 1024^3 matrix product";
  }
  return peak;
}

// What the timed steps added up.
struct StepTimes {
  double enc = 0, fwd = 0, bwd = 0, opt = 0;  // seconds: encoder alone (separate call), forward, backward, optimizer
  double flops = 0;                            // model FLOPs
  int64_t real_tokens = 0, padded_tokens = 0;
  std::vector<double> steps;                   // each step: forward + backward + optimizer
};

// The rest of what the report says.
struct StepReport {
  std::string device_name = "CPU", peak_source = "--peak-tflops";
  double peak_tflops = 0;  // 0 = unknown
  double peak_rss = 0, paged_in = 0;  // bytes
  int batch = 0;
  size_t replayed = 0;  // recorded batches replayed (0 = synthetic)
  bool fused_optimizer = true;
  std::optional<bool> onednn;  // fp32 CPU products on oneDNN (CPU fp32 runs only)
  std::optional<GpuMemoryPeak> gpu_memory;
  std::optional<std::pair<double, int64_t>> loss_scale;  // scale, skipped steps (fp16)
};

void print_step_report(const StepBenchOptions& o, const StepTimes& t, const StepReport& r, const StepBenchResult& res) {
  const double n = o.steps, step = res.step_seconds, achieved = res.achieved_flops / 1e12;
  if (r.replayed > 0)
    std::printf("replaying %zu recorded batches from %s (step i uses batch i mod %zu)\n", r.replayed, o.batches.c_str(),
                r.replayed);
  std::printf("shape %s, %s encoder (%lld parameters), batch %d%s%s, %d timed steps after %d warm-up, device %s, %s%s, %d threads%s\n",
              o.shape.c_str(), o.encoder.c_str(), (long long)res.parameters, r.batch,
              o.seq_len > 0 ? (" x " + std::to_string(o.seq_len) + " tokens").c_str() : "",
              o.grad_accum > 1 ? (" x " + std::to_string(o.grad_accum) + " accumulated").c_str() : "", o.steps, o.warmup,
              r.device_name.c_str(), o.precision.c_str(), o.gradient_checkpointing ? ", gradient checkpointing" : "",
              torch::get_num_threads(), o.sort_by_length ? ", length-sorted batches" : "");
  std::vector<double> sorted_steps = t.steps;
  std::sort(sorted_steps.begin(), sorted_steps.end());
  const size_t m = sorted_steps.size();
  const double median = m % 2 ? sorted_steps[m / 2] : 0.5 * (sorted_steps[m / 2 - 1] + sorted_steps[m / 2]);
  std::printf("  step          %9.1f ms  (mean; median %.1f ms, min %.1f, max %.1f)\n", 1e3 * step, 1e3 * median,
              1e3 * sorted_steps.front(), 1e3 * sorted_steps.back());
  std::printf("    forward     %9.1f ms  (encoder %.1f ms measured separately, heads + loss %.1f ms)\n",
              1e3 * t.fwd / n, 1e3 * t.enc / n, 1e3 * std::max(0.0, t.fwd - t.enc) / n);
  std::printf("    backward    %9.1f ms\n", 1e3 * t.bwd / n);
  std::printf("    optimizer   %9.1f ms  (clip + AdamW, %s)\n", 1e3 * t.opt / n,
              r.fused_optimizer ? "fused one-pass kernel" : "torch::optim::AdamW");
  if (r.onednn) std::printf("    matmul      %s\n", *r.onednn ? "oneDNN (model/matmul.h)" : "torch's (MKL sgemm here)");
  std::printf("  tokens/s      %9.0f  (real tokens; padding %.1f%% of the batch tensor)\n",
              t.real_tokens / (step * n), 100.0 * (1.0 - double(t.real_tokens) / double(t.padded_tokens)));
  std::printf("  model FLOP/s  %9.3f TFLOP/s  (%.3g FLOP per step: 3 x forward, docs/benchmarks.md#flops)\n", achieved,
              res.flops_per_step);
  if (r.peak_tflops > 0)
    std::printf("  MFU           %9.1f %%  (of %.3g TFLOP/s, %s)\n", 100.0 * achieved / r.peak_tflops, r.peak_tflops,
                r.peak_source.c_str());
  else
    std::printf("  MFU                 n/a  (no %s peak known for %s: pass --peak-tflops)\n", o.precision.c_str(),
                r.device_name.c_str());
  std::printf("  peak RSS      %9.0f MiB\n", r.peak_rss / 1048576.0);
  std::printf("  peak RSS increase %5.0f MiB  (over the RSS before the model was built, less %.0f MiB of library code\n"
              "                           paged in: weights, gradients, optimizer states, activations; `gtrain plan` predicts it)\n",
              res.peak_rss_increase / 1048576.0, r.paged_in / 1048576.0);
  if (r.gpu_memory)
    std::printf("  peak GPU mem  %9.0f MiB allocated, %.0f MiB reserved\n", r.gpu_memory->allocated_mib,
                r.gpu_memory->reserved_mib);
  if (r.loss_scale)
    std::printf("  loss scale    %9.0f  (%lld steps skipped)\n", r.loss_scale->first, (long long)r.loss_scale->second);
}

}  // namespace

StepBenchResult run_step_bench(const StepBenchOptions& o) {
  configure_torch_threads(o.threads);
  const auto [prec, device] = checked_precision_and_device(o);
  if (o.cpu_matmul != "onednn" && o.cpu_matmul != "torch")
    throw std::invalid_argument("bench step: --cpu-matmul must be onednn or torch");
  set_cpu_matmul(o.cpu_matmul == "torch" ? CpuMatmul::torch : CpuMatmul::onednn);
  torch::manual_seed(static_cast<int64_t>(o.seed));
  // The model's weights, gradients, optimizer states and activations are what the memory model
  // predicts: count the RSS from here.
  const double rss_before = status_bytes("VmRSS:"), file_rss_before = status_bytes("RssFile:");
  ExtractorConfig ec;
  ec.counting_layer = "count_lstm";
  if (o.max_width > 0) ec.max_width = o.max_width;
  Extractor model(ec, o.encoder_config ? *o.encoder_config : bench_encoder_config(o.shape, o.encoder));
  model->init_weights();
  model->encoder->set_gradient_checkpointing(o.gradient_checkpointing);
  model->to(device);
  model->train();
  OptimConfig oc;
  oc.encoder_lr = 2e-5;
  oc.head_lr = 5e-4;
  TrainOptimizer opt = make_optimizer(*model, oc);
  opt.fused = o.optimizer != "reference";
  LossScaler scaler(prec == Precision::FP16);
  int64_t params = 0;
  for (const auto& p : model->parameters()) params += p.numel();
  if (device.is_cuda()) reset_gpu_memory_peak(device.index());

  std::vector<Gliner2Batch> replay;
  if (!o.batches.empty()) {
    if (o.encoder != "deberta")
      throw std::invalid_argument("bench step: --batches holds DeBERTa-v3 token ids; replay them with --encoder deberta");
    replay = load_replay_batches(o.batches);
    if (replay.empty()) throw std::invalid_argument("bench step: " + o.batches + " holds no batches");
  }
  std::mt19937_64 rng(o.seed);
  StepTimes t;
  std::vector<std::vector<RowLength>> pool;  // --sorted: the current window's batches of lengths
  StepBenchResult res;
  const int accum = std::max(1, o.grad_accum);
  for (int it = 0; it < o.warmup + o.steps; ++it) {
    const bool timed = it >= o.warmup;
    double enc = 0, fwd = 0, bwd = 0;
    for (int micro = 0; micro < accum; ++micro) {
      const int draw = it * accum + micro;
      Gliner2Batch b = replay.empty() ? synthetic_batch(rng, next_lengths(rng, o.batch_size, o.sort_by_length, o.seq_len,
                                                                          o.prompt_tokens, o.rows, &pool),
                                                        model->encoder_config.vocab_size(), model->max_width(),
                                                        o.prompt_tokens, o.labels)
                                      : replay[static_cast<size_t>(draw) % replay.size()];
      b.input_ids = b.input_ids.to(device);
      b.attention_mask = b.attention_mask.to(device);
      // Encoder forward alone (a separate call, so the split needs no hooks inside the model).
      sync(device);
      auto t0 = Clock::now();
      {
        AutocastScope ac(prec, device);
        torch::Tensor h = model->encoder->forward(b.input_ids, b.attention_mask);
      }
      sync(device);
      enc += since(t0);
      t0 = Clock::now();
      Gliner2ForwardOptions fo;
      fo.count_logits = false;
      torch::Tensor loss;
      {
        AutocastScope ac(prec, device);
        Gliner2Output out = model->forward(b, fo);
        loss = model->loss(out, b).total;
      }
      sync(device);
      fwd += since(t0);
      t0 = Clock::now();
      // As the trainer: each micro-batch's loss / accum, the gradients summed across them (in place).
      {
        InPlaceGradAccumulation in_place;
        (scaler.enabled() ? loss * (scaler.scale() / accum) : loss / static_cast<double>(accum)).backward();
      }
      sync(device);
      bwd += since(t0);
      if (!timed) continue;
      t.real_tokens += b.attention_mask.sum().item<int64_t>();
      t.padded_tokens += b.attention_mask.numel();
      const BatchShape sh = batch_shape(b, model->max_width());
      t.flops += step_flops(model->encoder_config, sh).train_step();
      if (sh.rows * sh.seq_len > res.largest.rows * res.largest.seq_len) res.largest = sh;
    }
    auto t0 = Clock::now();
    const bool finite = scaler.unscale_and_check(opt.params);
    if (finite) {
      torch::nn::utils::clip_grad_norm_(opt.params, 1.0);
      opt.step();
    }
    scaler.update(finite);
    release_gradients(opt.params);
    sync(device);
    const double op = since(t0);
    if (!timed) continue;
    t.enc += enc, t.fwd += fwd, t.bwd += bwd, t.opt += op;
    t.steps.push_back(fwd + bwd + op);
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  StepReport rep;
  rep.peak_tflops = peak_tflops(o, prec, device, &rep.device_name, &rep.peak_source);
  rep.peak_rss = ru.ru_maxrss * 1024.0;
  // Library code and files paged in while running (LibTorch's kernels, first touched here) are
  // resident but are not memory the step allocates: they do not count.
  rep.paged_in = std::max(0.0, status_bytes("RssFile:") - file_rss_before);
  rep.batch = replay.empty() ? o.batch_size : static_cast<int>(replay[0].examples.size());
  rep.replayed = replay.size();
  rep.fused_optimizer = opt.fused;
  rep.onednn = device.is_cpu() && prec == Precision::FP32 ? std::optional<bool>(cpu_matmul_uses_onednn()) : std::nullopt;
  if (device.is_cuda()) rep.gpu_memory = gpu_memory_peak(device.index());
  if (scaler.enabled()) rep.loss_scale = std::make_pair(scaler.scale(), scaler.skipped_steps());
  const double n = o.steps;
  res.step_seconds = (t.fwd + t.bwd + t.opt) / n;
  res.optimizer_seconds = t.opt / n;
  res.flops_per_step = t.flops / n;
  res.achieved_flops = res.flops_per_step / res.step_seconds;
  res.peak_flops = rep.peak_tflops * 1e12;
  res.parameters = params;
  res.peak_rss_increase = std::max(0.0, rep.peak_rss - rss_before - rep.paged_in);
  if (rep.gpu_memory) res.gpu_peak_allocated = rep.gpu_memory->allocated_mib * 1024.0 * 1024.0;
  if (!o.quiet) print_step_report(o, t, rep, res);
  return res;
}

}  // namespace gtrain
