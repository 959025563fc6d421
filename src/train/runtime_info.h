// What this build of gtrain runs on: the LibTorch it was compiled against, whether CUDA is in it,
// the CUDA/cuDNN/NCCL versions, the visible GPUs and the CPU side (threads, BLAS). Also the CUDA
// caching allocator's peak memory, for the trainer's evaluation log and `bench step`.
// Torch-free interface: the CLI prints it without LibTorch's headers.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gtrain {

struct GpuInfo {
  int index = 0;
  std::string name;
  int cc_major = 0, cc_minor = 0;  // compute capability
  int multiprocessors = 0;
  double total_gib = 0, free_gib = 0;
};

struct RuntimeInfo {
  std::string torch_version;  // compiled against (TORCH_VERSION)
  bool cuda_compiled = false; // LibTorch with CUDA, linked with its CUDA library
  std::string cuda_runtime;   // e.g. "13.0" (empty without CUDA)
  std::string cudnn;          // runtime cuDNN, e.g. "9.19.0"
  std::vector<GpuInfo> gpus;
  std::string gpu_note;       // why no GPU is listed (no driver, none visible), else empty
  int cpu_threads = 0;        // torch's intra-op threads
  std::string blas;           // BLAS/LAPACK LibTorch's CPU kernels use, from its build config
  bool onednn_matmul = false; // the model's fp32 CPU products go through oneDNN (model/matmul.h)
};

// Queries CUDA only when it is compiled in; never throws (a missing driver is a note).
RuntimeInfo runtime_info();
std::string format_runtime_info(const RuntimeInfo& r);

struct GpuMemoryPeak {
  double allocated_mib = 0, reserved_mib = 0;
};
// Peak memory of the CUDA caching allocator on `device` since the last reset; nullopt without CUDA.
std::optional<GpuMemoryPeak> gpu_memory_peak(int device);
void reset_gpu_memory_peak(int device);

}  // namespace gtrain
