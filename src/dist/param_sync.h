// Start-of-training agreement: rank 0's initial weights are broadcast to every rank, then a
// checksum of every rank's tensors is compared, so a rank that somehow holds other weights (a
// different checkpoint, a non-deterministic initialisation that was not broadcast) stops the job
// before the first step instead of silently training a different model.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "dist/communicator.h"

namespace gtrain::dist {

// Broadcasts each tensor in place from `root` (in order; every rank passes the same list).
void broadcast_tensors(const std::vector<torch::Tensor>& tensors, Communicator& comm, int root = 0);

// CRC32C over the bytes of every tensor (as fp32/int on the CPU), in order.
uint32_t tensors_checksum(const std::vector<torch::Tensor>& tensors);

// All-gathers tensors_checksum; throws std::runtime_error naming the ranks that differ from rank 0.
void check_same_on_all_ranks(const std::vector<torch::Tensor>& tensors, Group& group, const char* what);

}  // namespace gtrain::dist
