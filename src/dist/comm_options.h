// The communication choices a config names (comm.backend, comm.compression). They live here, with
// the communicators they select, so dist/ needs nothing from config/; the config parser includes
// this header (torch-free) to read and write them.
#pragma once
#include <string>

#include "io/enum_names.h"

namespace gtrain {

enum class CommBackend { Auto, Mpi, Nccl };
enum class GradCompression { None, FP16, BF16 };  // wire dtype of the gradient all-reduce

// The config spellings.
inline constexpr EnumName<CommBackend> kCommBackendNames[] = {
    {CommBackend::Auto, "auto"}, {CommBackend::Mpi, "mpi"}, {CommBackend::Nccl, "nccl"}};
inline constexpr EnumName<GradCompression> kCompressionNames[] = {
    {GradCompression::None, "none"}, {GradCompression::FP16, "fp16"}, {GradCompression::BF16, "bf16"}};
inline std::string comm_backend_name(CommBackend b) { return enum_to_name(kCommBackendNames, b, "?"); }
inline std::string compression_name(GradCompression c) { return enum_to_name(kCompressionNames, c, "?"); }

}  // namespace gtrain
