// The MPI backend of dist/communicator.h: CPU tensors, every call on the group's comm thread.
#pragma once
#include "dist/communicator.h"

namespace gtrain::dist {

class MpiCommunicator : public Communicator {
 public:
  explicit MpiCommunicator(Group& group);
  std::string backend() const override { return "mpi"; }
  std::shared_ptr<Work> all_reduce(torch::Tensor t, ReduceOp op) override;
  void broadcast(torch::Tensor t, int root) override;
  torch::Tensor all_gather(const torch::Tensor& t) override;
  void barrier() override;
};

}  // namespace gtrain::dist
