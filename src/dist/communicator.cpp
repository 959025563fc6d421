#include "dist/communicator.h"

#include <stdexcept>

#include "dist/mpi_communicator.h"
#ifdef GTRAIN_HAVE_NCCL
#include "dist/nccl_communicator.h"
#endif

namespace gtrain::dist {

namespace {

// One rank: every collective is the identity (average of one value is itself).
class LocalWork : public Work {
 public:
  void wait() override {}
  double seconds() const override { return 0; }
};

class LocalCommunicator : public Communicator {
 public:
  using Communicator::Communicator;
  std::string backend() const override { return "local"; }
  std::shared_ptr<Work> all_reduce(torch::Tensor, ReduceOp) override { return std::make_shared<LocalWork>(); }
  void broadcast(torch::Tensor, int) override {}
  torch::Tensor all_gather(const torch::Tensor& t) override { return t.unsqueeze(0).clone(); }
  void barrier() override {}
};

}  // namespace

bool nccl_available() {
#ifdef GTRAIN_HAVE_NCCL
  return cuda_device_count() > 0;
#else
  return false;
#endif
}

int cuda_compute_capability_major(int device) {
#ifdef GTRAIN_HAVE_NCCL
  return cuda_capability_major(device);
#else
  (void)device;
  return -1;
#endif
}

std::unique_ptr<Communicator> make_communicator(Group& group, CommBackend backend, const torch::Device& device) {
  if (!group.distributed()) return std::make_unique<LocalCommunicator>(group);
  if (backend == CommBackend::Auto) backend = device.is_cuda() ? CommBackend::Nccl : CommBackend::Mpi;
  if (backend == CommBackend::Mpi) {
    if (device.is_cuda())
      throw std::invalid_argument("comm.backend: mpi moves CPU tensors only; the model is on " + device.str() +
                                  " (use nccl or auto)");
    return std::make_unique<MpiCommunicator>(group);
  }
#ifdef GTRAIN_HAVE_NCCL
  if (!device.is_cuda())
    throw std::invalid_argument("comm.backend: nccl needs the model on a CUDA device; it is on " + device.str() +
                                " (use mpi or auto)");
  return std::make_unique<NcclCommunicator>(group, device.has_index() ? device.index() : 0);
#else
  throw std::invalid_argument("comm.backend: nccl is not compiled into this gtrain (CUDA/NCCL not found at build time)");
#endif
}

}  // namespace gtrain::dist
