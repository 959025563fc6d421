// `gtrain bench step`: the training step (forward, loss, backward, AdamW) of a randomly
// initialised GLiNER2 model at a named shape, on synthetic batches with Korean-sentence lengths
// (40-120 text tokens, one word per 1-3 tokens, plus a 4-label entity prompt). Prints the time
// split, tokens/s, the padding share and the peak RSS.
#pragma once
#include <string>

namespace gtrain {

struct StepBenchOptions {
  std::string shape = "small";  // toy | xsmall | small | base
  std::string encoder = "deberta";  // deberta (v3) | bert | roberta | electra | xlm-roberta, at that shape
  int batch_size = 8;
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
  // GLiNER2's recorded batches (train/replay_batches.h) instead of synthetic ones: step i uses
  // batch i mod their number, so --warmup 2 --steps 10 times exactly the reference's 10.
  std::string batches;
  double peak_tflops = 0;       // the device's dense peak for the precision; 0 = table (GPU) / measured sgemm (CPU)
};

// Runs the benchmark and prints its report to stdout.
void run_step_bench(const StepBenchOptions& opts);

}  // namespace gtrain
