// The NCCL backend of dist/communicator.h (compiled only with GTRAIN_HAVE_NCCL): CUDA tensors,
// one NCCL communicator per group, its own non-blocking stream. Each call waits on an event
// recorded on the compute stream (LibTorch's default stream), so it reads finished gradients;
// Work::wait() polls the completion event and ncclCommGetAsyncError, and past the group's timeout
// aborts the communicator (ncclCommAbort) and ends the job with a message.
#pragma once
#include "dist/communicator.h"

namespace gtrain::dist {

class NcclCommunicator : public Communicator {
 public:
  // device: this rank's CUDA device (the trainer uses local_rank % device count).
  NcclCommunicator(Group& group, int device);
  ~NcclCommunicator() override;
  std::string backend() const override { return "nccl"; }
  std::shared_ptr<Work> all_reduce(torch::Tensor t, ReduceOp op) override;
  void broadcast(torch::Tensor t, int root) override;
  torch::Tensor all_gather(const torch::Tensor& t) override;
  void barrier() override;

  struct State;  // NCCL/CUDA handles (kept out of this header)

 private:
  std::shared_ptr<State> s_;
};

// Number of CUDA devices the runtime sees (0 without a driver or GPU).
int cuda_device_count();
// Compute capability major of `device`, -1 when unknown.
int cuda_capability_major(int device);

}  // namespace gtrain::dist
