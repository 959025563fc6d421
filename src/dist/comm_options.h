// The communication choices a config names (comm.backend, comm.compression). They live here, with
// the communicators they select, so dist/ needs nothing from config/; the config parser includes
// this header (torch-free) to read and write them.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace gtrain {

enum class CommBackend { Auto, Mpi, Nccl };
enum class GradCompression { None, FP16, BF16 };  // wire dtype of the gradient all-reduce

// The config spellings, in enum order.
inline const std::vector<std::string>& comm_backend_names() {
  static const std::vector<std::string> v = {"auto", "mpi", "nccl"};
  return v;
}
inline const std::vector<std::string>& compression_names() {
  static const std::vector<std::string> v = {"none", "fp16", "bf16"};
  return v;
}
inline std::string comm_backend_name(CommBackend b) { return comm_backend_names()[static_cast<size_t>(b)]; }
inline std::string compression_name(GradCompression c) { return compression_names()[static_cast<size_t>(c)]; }

}  // namespace gtrain
