// `gtrain bench gemm`: the CPU's fp32 matrix-product rate at the training step's shapes (the
// encoder's Linear layers at 1,200 tokens, i.e. 8 rows of 150, and the attention's batched
// products), through torch's own product (MKL in the PyPI wheel) and through the model's oneDNN
// path (model/matmul.h), same threads, alternating: the floor a CPU step's time is measured
// against, and why the model's products take oneDNN. Torch-free interface (the CLI is built
// without LibTorch).
#pragma once

namespace gtrain {

struct GemmBenchOptions {
  int threads = 0;  // 0 = the CPUs the process may use
  int reps = 20;    // timed products per shape and library (after 3 untimed)
};

void run_gemm_bench(const GemmBenchOptions& o);

}  // namespace gtrain
