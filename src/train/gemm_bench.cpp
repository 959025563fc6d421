#include "train/gemm_bench.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "model/matmul.h"
#include "model/threads.h"

namespace gtrain {

namespace {

struct Shape {
  const char* what;
  int64_t batch, m, k, n;  // batch x [m, k] · [k, n]
};

// Seconds per call of f, after 3 untimed calls.
template <class F>
double seconds_per_call(F&& f, int reps) {
  for (int i = 0; i < 3; ++i) f();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps;
}

double rate(const Shape& s, CpuMatmul lib, int reps) {
  set_cpu_matmul(lib);
  return cpu_product_flops(s.batch, s.m, s.k, s.n, /*bf16=*/false, reps);
}

}  // namespace

double cpu_product_flops(int64_t batch, int64_t m, int64_t k, int64_t n, bool bf16, int reps) {
  torch::NoGradGuard ng;
  const auto dt = bf16 ? torch::kBFloat16 : torch::kFloat32;
  const torch::Tensor a = torch::randn({batch, m, k}).to(dt), w = torch::randn({batch, n, k}).to(dt);
  const double sec = seconds_per_call([&] { gtrain::bmm(a, w.transpose(1, 2)); }, reps);
  return 2.0 * static_cast<double>(batch) * static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(n) / sec;
}

void run_gemm_bench(const GemmBenchOptions& o) {
  configure_torch_threads(o.threads);
  const CpuMatmul before = cpu_matmul();
  const Shape shapes[] = {
      {"square 1024", 1, 1024, 1024, 1024},
      {"xsmall Q/K/V/O (384 -> 384)", 1, 1200, 384, 384},
      {"xsmall FFN up (384 -> 1536)", 1, 1200, 384, 1536},
      {"xsmall FFN down (1536 -> 384)", 1, 1200, 1536, 384},
      {"small Q/K/V/O (768 -> 768)", 1, 1200, 768, 768},
      {"small FFN up (768 -> 3072)", 1, 1200, 768, 3072},
      {"small FFN down (3072 -> 768)", 1, 1200, 3072, 768},
      {"attention scores (96 x 150 x 64)", 96, 150, 64, 150},
  };
  std::printf("fp32 products, %d threads, %d timed per shape and library; GFLOP/s\n", torch::get_num_threads(), o.reps);
  std::printf("%-36s %16s %10s %8s\n", "shape [m x k] . [k x n]", "torch (BLAS)", "oneDNN", "ratio");
  set_cpu_matmul(CpuMatmul::onednn);
  const bool have_onednn = cpu_matmul_uses_onednn();
  for (const Shape& s : shapes) {
    const double t = rate(s, CpuMatmul::torch, o.reps);
    if (!have_onednn) {
      std::printf("%-36s %16.1f %10s %8s\n", s.what, t / 1e9, "n/a", "");
      continue;
    }
    const double d = rate(s, CpuMatmul::onednn, o.reps);
    std::printf("%-36s %16.1f %10.1f %7.2fx\n", s.what, t / 1e9, d / 1e9, d / t);
  }
  set_cpu_matmul(before);
}

}  // namespace gtrain
