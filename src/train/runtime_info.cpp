#include "train/runtime_info.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>

#include "model/matmul.h"

#include <cstdio>
#include <sstream>

#ifdef GTRAIN_HAVE_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

namespace gtrain {

namespace {

std::string dotted(long v, long major_div, long minor_div) {  // 91900 -> "9.19.0"
  std::ostringstream o;
  o << v / major_div << "." << (v % major_div) / minor_div << "." << v % minor_div;
  return o.str();
}

// at::show_config() lists "BLAS_INFO=mkl", "LAPACK_INFO=mkl", "USE_OPENMP=ON" among its lines.
std::string blas_from_config() {
  const std::string cfg = at::show_config();
  std::string out;
  for (const char* key : {"BLAS_INFO=", "LAPACK_INFO="}) {
    auto p = cfg.find(key);
    if (p == std::string::npos) continue;
    auto e = cfg.find_first_of(",\n ", p);
    if (!out.empty()) out += ", ";
    out += cfg.substr(p, e == std::string::npos ? std::string::npos : e - p);
  }
  return out.empty() ? "unknown" : out;
}

}  // namespace

RuntimeInfo runtime_info() {
  RuntimeInfo r;
  r.torch_version = TORCH_VERSION;
  r.cpu_threads = at::get_num_threads();
  r.blas = blas_from_config();
  r.onednn_matmul = cpu_matmul_uses_onednn();
#ifdef GTRAIN_HAVE_CUDA
  r.cuda_compiled = true;
  int rt = 0;
  if (cudaRuntimeGetVersion(&rt) == cudaSuccess) r.cuda_runtime = std::to_string(rt / 1000) + "." + std::to_string((rt % 1000) / 10);
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    r.gpu_note = std::string("no GPU usable: ") + cudaGetErrorString(err);
    cudaGetLastError();  // reset the runtime's last-error state so later CUDA calls do not report it
  } else if (n == 0) {
    r.gpu_note = "no GPU visible";
  }
  for (int i = 0; i < n; ++i) {
    cudaDeviceProp p{};
    if (cudaGetDeviceProperties(&p, i) != cudaSuccess) continue;
    GpuInfo g;
    g.index = i;
    g.name = p.name;
    g.cc_major = p.major, g.cc_minor = p.minor;
    g.multiprocessors = p.multiProcessorCount;
    g.total_gib = static_cast<double>(p.totalGlobalMem) / (1 << 30);
    size_t free_b = 0, total_b = 0;
    if (cudaSetDevice(i) == cudaSuccess && cudaMemGetInfo(&free_b, &total_b) == cudaSuccess)
      g.free_gib = static_cast<double>(free_b) / (1 << 30);
    r.gpus.push_back(g);
  }
  // cuDNN's version is asked of LibTorch's CUDA hooks only when a GPU is usable: without a driver
  // the hooks may try to initialise CUDA.
  if (!r.gpus.empty() && at::detail::getCUDAHooks().hasCuDNN()) r.cudnn = dotted(at::detail::getCUDAHooks().versionRuntimeCuDNN(), 10000, 100);
#else
  r.gpu_note = "LibTorch without CUDA";
#endif
  return r;
}

std::string format_runtime_info(const RuntimeInfo& r) {
  std::ostringstream o;
  o << "LibTorch " << r.torch_version << " (CUDA " << (r.cuda_compiled ? "compiled in" : "not compiled in") << ")\n";
  if (r.cuda_compiled) {
    o << "CUDA runtime " << (r.cuda_runtime.empty() ? "unknown" : r.cuda_runtime);
    if (!r.cudnn.empty()) o << ", cuDNN " << r.cudnn;
    o << "\n";
  }
  o << "CPU: " << r.cpu_threads << " intra-op threads, " << r.blas << "; the model's fp32 products through "
    << (r.onednn_matmul ? "oneDNN" : "torch's BLAS") << "\n";
  if (r.gpus.empty()) o << "GPUs: none (" << r.gpu_note << ")\n";
  for (const GpuInfo& g : r.gpus) {
    char b[256];
    std::snprintf(b, sizeof b, "GPU %d: %s, sm_%d%d, %d SMs, %.1f GiB (%.1f GiB free)\n", g.index, g.name.c_str(), g.cc_major,
                  g.cc_minor, g.multiprocessors, g.total_gib, g.free_gib);
    o << b;
  }
  return o.str();
}

std::optional<GpuMemoryPeak> gpu_memory_peak(int device) {
#ifdef GTRAIN_HAVE_CUDA
  if (!at::detail::getCUDAHooks().hasCUDA()) return std::nullopt;
  const auto s = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device));
  constexpr size_t all = static_cast<size_t>(c10::CachingAllocator::StatType::AGGREGATE);
  return GpuMemoryPeak{s.allocated_bytes[all].peak / 1048576.0, s.reserved_bytes[all].peak / 1048576.0};
#else
  (void)device;
  return std::nullopt;
#endif
}

void reset_gpu_memory_peak(int device) {
#ifdef GTRAIN_HAVE_CUDA
  if (at::detail::getCUDAHooks().hasCUDA()) c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device));
#else
  (void)device;
#endif
}

}  // namespace gtrain
