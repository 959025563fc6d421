// `gtrain bench gemm`: the CPU's fp32 matrix-product rate at the training step's shapes (the
// encoder's Linear layers at 1,200 tokens, i.e. 8 rows of 150, and the attention's batched
// products), through torch's own product (MKL in the PyPI wheel) and through the model's oneDNN
// path (model/matmul.h), same threads, alternating: the floor a CPU step's time is measured
// against, and why the model's products take oneDNN. Torch-free interface (the CLI is built
// without LibTorch).
#pragma once
#include <cstdint>

namespace gtrain {

// FLOP/s of batch x [m, k] · [k, n] products (the second operand a transposed [n, k], as a Linear
// layer's weight) through the model's product path (gtrain::bmm: the library cpu_matmul()
// selects), fp32 or bf16, the threads torch has now; `reps` timed calls after 3 untimed.
double cpu_product_flops(int64_t batch, int64_t m, int64_t k, int64_t n, bool bf16, int reps);

struct GemmBenchOptions {
  int threads = 0;  // 0 = the CPUs the process may use
  int reps = 20;    // timed products per shape and library (after 3 untimed)
};

void run_gemm_bench(const GemmBenchOptions& o);

}  // namespace gtrain
