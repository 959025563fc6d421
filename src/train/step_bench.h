// `gtrain bench step`: the training step (forward, loss, backward, AdamW) of a randomly
// initialised GLiNER2 model at a named shape, on synthetic batches with Korean-sentence lengths
// (40-120 text tokens, one word per 1-3 tokens, plus a 4-label entity prompt). Prints the time
// split, tokens/s, the padding share and the peak RSS and its increase over the run (what
// `gtrain plan`'s memory model predicts). `gtrain plan --measure` runs it quietly at a training
// config's own model and row lengths for the achieved FLOP/s.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/encoder_config.h"
#include "model/flops.h"

namespace gtrain {

struct StepBenchOptions {
  std::string shape = "small";  // toy | xsmall | small | base
  std::string encoder = "deberta";  // deberta (v3) | bert | roberta | electra | xlm-roberta, at that shape
  int batch_size = 8;
  int grad_accum = 1;           // micro-batches per optimizer step, as the trainer's optim.grad_accum
  int warmup = 2;
  int steps = 10;
  int threads = 0;              // 0 = torch's default
  uint64_t seed = 0;
  bool sort_by_length = false;  // length-bucketed batches (less padding), as the trainer builds them
  int seq_len = 0;              // > 0: every row exactly this many tokens (prompt included), no padding
  std::string device = "cpu";   // cpu | cuda
  std::string precision = "fp32";  // fp32 | fp16 (CUDA, loss-scaled) | bf16
  bool gradient_checkpointing = false;
  std::string optimizer = "fused";  // fused | reference (torch::optim::AdamW::step)
  std::string cpu_matmul = "onednn";  // onednn | torch: fp32 CPU matrix products (model/matmul.h)
  // GLiNER2's recorded batches (train/replay_batches.h) instead of synthetic ones: step i uses
  // batch i mod their number, so --warmup 2 --steps 10 times exactly the reference's 10.
  std::string batches;
  double peak_tflops = 0;       // the device's dense peak for the precision; 0 = table (GPU) / measured sgemm (CPU)
  // A given encoder instead of shape x encoder (plan --measure: the config's own model).
  std::optional<EncoderConfig> encoder_config;
  int max_width = 0;                 // longest span in words; 0 = the model's default (8)
  // Real rows' (text tokens, units) to draw each synthetic row from (each unit one word of
  // tokens / units tokens); empty = 40-120 tokens, 1-3 tokens per word.
  std::vector<std::pair<int, int>> rows;
  int prompt_tokens = 20;            // schema prompt tokens in front of every row
  int labels = 4;                    // entity labels of the prompt
  bool quiet = false;                // no report on stdout
};

struct StepBenchResult {
  double step_seconds = 0;      // mean over the timed steps
  double optimizer_seconds = 0; // of which the optimizer step (clipping + AdamW), mean
  double flops_per_step = 0;    // model FLOPs (model/flops.h), mean
  double achieved_flops = 0;    // FLOP/s
  double peak_flops = 0;        // FLOP/s the MFU is taken against (0 = unknown)
  int64_t parameters = 0;
  double peak_rss_increase = 0;  // bytes: peak RSS minus the RSS before the model was built
  double gpu_peak_allocated = 0;  // bytes (CUDA), 0 on CPU
  BatchShape largest;  // the largest batch of the timed steps (the one the memory peak comes from)
};

// Runs the benchmark, prints its report to stdout (unless quiet) and returns the figures.
StepBenchResult run_step_bench(const StepBenchOptions& opts);

// The bench model's encoder at a named shape (toy | xsmall | small | base) of a family.
EncoderConfig bench_encoder_config(const std::string& shape, const std::string& family);

}  // namespace gtrain
