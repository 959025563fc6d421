// Tensor collectives for data-parallel training, one interface with interchangeable backends
// (after PyTorch c10d's ProcessGroup/Backend split):
//   mpi   CPU tensors; each call is queued on the group's communication thread (dist/group.h),
//         so an all-reduce started during backward progresses while compute goes on.
//   nccl  CUDA tensors; NCCL on its own stream, ordered against the compute stream with CUDA
//         events; the NCCL unique id travels over MPI; a stuck peer is aborted (ncclCommAbort)
//         after the group's timeout. Compiled when CUDA + NCCL are found (GTRAIN_HAVE_NCCL).
// A single-rank group gets the "local" backend, which does nothing (no MPI or NCCL call).
#pragma once
#include <torch/torch.h>

#include <initializer_list>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dist/comm_options.h"
#include "dist/group.h"

namespace gtrain::dist {

// A backend's own type for t's dtype, from the backend's table; throws std::invalid_argument
// "<backend> backend: unsupported dtype <dtype>" for a dtype the table lacks.
template <class T>
T backend_dtype(const torch::Tensor& t, const char* backend,
                std::initializer_list<std::pair<torch::ScalarType, T>> table) {
  for (const auto& [dtype, type] : table)
    if (dtype == t.scalar_type()) return type;
  throw std::invalid_argument(std::string(backend) + " backend: unsupported dtype " + c10::toString(t.scalar_type()));
}

// The (uninitialised) result of an all-gather of `in` over `ranks` ranks: [ranks, ...in's shape].
inline torch::Tensor all_gather_output(const torch::Tensor& in, int ranks) {
  std::vector<int64_t> shape = in.sizes().vec();
  shape.insert(shape.begin(), ranks);
  return torch::empty(shape, in.options());
}

// An operation in flight. wait() returns once the result is usable by the caller's (compute)
// stream; it rethrows backend errors and ends the job past the group's timeout.
class Work {
 public:
  virtual ~Work() = default;
  virtual void wait() = 0;
  // Seconds the operation itself took (valid after wait(); 0 when the backend cannot tell).
  virtual double seconds() const = 0;
};

class Communicator {
 public:
  explicit Communicator(Group& group) : group_(group) {}
  virtual ~Communicator() = default;
  virtual std::string backend() const = 0;
  int rank() const { return group_.rank(); }
  int size() const { return group_.size(); }
  Group& group() const { return group_; }

  // In place on a contiguous tensor. float32/float64/int64 for every op; float16/bfloat16 for
  // Sum and Avg (the MPI backend sums them in float32 per element).
  virtual std::shared_ptr<Work> all_reduce(torch::Tensor t, ReduceOp op) = 0;
  virtual void broadcast(torch::Tensor t, int root) = 0;
  // [size, *t.shape]: every rank's t, in rank order.
  virtual torch::Tensor all_gather(const torch::Tensor& t) = 0;
  virtual void barrier() = 0;

 protected:
  Group& group_;
};

// backend Auto: nccl for a CUDA device (when compiled in), else mpi; a single-rank group always
// gets the local backend. Throws naming the reason when the requested backend cannot serve the
// device (mpi with CUDA tensors, nccl without a GPU or not compiled in).
std::unique_ptr<Communicator> make_communicator(Group& group, CommBackend backend, const torch::Device& device);

// NCCL support compiled in and a CUDA device visible.
bool nccl_available();
// Compute capability major version of a CUDA device; -1 when this build cannot tell (no CUDA
// runtime compiled in, or no such device).
int cuda_compute_capability_major(int device);

}  // namespace gtrain::dist
