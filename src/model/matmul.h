// The model's matrix products (every Linear layer, the attention and span-score batched products),
// with their own CPU path. On the CPU, torch's fp32 matmul calls MKL's sgemm, and MKL picks its
// code path by CPU vendor: on AMD processors it runs an AVX2 kernel even where AVX-512 is there
// (measured on this project's AMD EPYC VM: ~210 GFLOP/s at 2 threads for every training shape).
// oneDNN, which the same LibTorch carries, picks its kernels by the instruction set alone: 400-490
// GFLOP/s on the same shapes. So fp32 CPU products go through ATen's oneDNN matmul
// (at::native::mkldnn_matmul), forward and backward, as custom autograd functions; CUDA, half
// precision, CPU autocast and a LibTorch without oneDNN keep torch's own ops. Results equal torch's
// within fp32 rounding (different summation order).
#pragma once
#include <torch/torch.h>

namespace gtrain {

// Which library does fp32 CPU matrix products (process-wide; `gtrain bench step --cpu-matmul`).
enum class CpuMatmul { onednn, torch };
void set_cpu_matmul(CpuMatmul m);
CpuMatmul cpu_matmul();
// True when fp32 CPU products actually go through oneDNN (selected, and this LibTorch has it).
bool cpu_matmul_uses_onednn();
// Products of fewer multiply-adds (m·k·n, times the batch) keep torch's kernel (default 2^24).
void set_onednn_min_macs(double macs);
double onednn_min_macs();

// x · wᵀ + b, as torch::nn::functional::linear (x [..., in], w [out, in], b [out] or undefined).
torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b = {});
// a · b for a [n, p, q], b [n, q, r], as torch::bmm.
torch::Tensor bmm(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace gtrain
