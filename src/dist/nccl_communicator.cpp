#include "dist/nccl_communicator.h"

#include <cuda_runtime.h>
#include <nccl.h>

#include <chrono>
#include <functional>
#include <cstring>
#include <exception>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <thread>

namespace gtrain::dist {

namespace {

void cuda_check(cudaError_t e, const char* what) {
  if (e != cudaSuccess) throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(e));
}
void nccl_check(ncclResult_t r, const char* what) {
  if (r != ncclSuccess) throw std::runtime_error(std::string(what) + ": " + ncclGetErrorString(r));
}

ncclDataType_t nccl_type(const torch::Tensor& t) {
  return backend_dtype<ncclDataType_t>(t, "nccl", {{torch::kFloat32, ncclFloat32}, {torch::kFloat64, ncclFloat64},
                                                   {torch::kFloat16, ncclFloat16}, {torch::kBFloat16, ncclBfloat16},
                                                   {torch::kInt64, ncclInt64}, {torch::kInt32, ncclInt32},
                                                   {torch::kUInt8, ncclUint8}});
}

ncclRedOp_t nccl_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::Avg: return ncclAvg;
    case ReduceOp::Max: return ncclMax;
    case ReduceOp::Min: return ncclMin;
    default: return ncclSum;
  }
}

void check_cuda_tensor(const torch::Tensor& t, const char* op) {
  if (!t.is_cuda())
    throw std::invalid_argument(std::string("nccl backend: ") + op + " of a " + t.device().str() +
                                " tensor; use comm.backend: mpi for CPU tensors");
  if (!t.is_contiguous()) throw std::invalid_argument(std::string("nccl backend: ") + op + " needs a contiguous tensor");
}

}  // namespace

struct NcclCommunicator::State {
  int device = 0, rank = 0;
  double timeout_s = 300;
  ncclComm_t comm = nullptr;
  cudaStream_t stream = nullptr;
  bool aborted = false;

  // Orders the NCCL stream after everything already queued on the compute stream.
  void after_compute() {
    cudaEvent_t ready;
    cuda_check(cudaEventCreateWithFlags(&ready, cudaEventDisableTiming), "cudaEventCreate");
    cuda_check(cudaEventRecord(ready, cudaStreamLegacy), "cudaEventRecord");
    cuda_check(cudaStreamWaitEvent(stream, ready, 0), "cudaStreamWaitEvent");
    cudaEventDestroy(ready);
  }
  // Blocks until `done` completes; a peer that never joins ends the job after timeout_s.
  void wait_event(cudaEvent_t done, const std::string& what) {
    const auto t0 = std::chrono::steady_clock::now();
    for (;;) {
      const cudaError_t q = cudaEventQuery(done);
      if (q == cudaSuccess) return;
      if (q != cudaErrorNotReady) cuda_check(q, what.c_str());
      ncclResult_t async = ncclSuccess;
      ncclCommGetAsyncError(comm, &async);
      if (async != ncclSuccess && async != ncclInProgress) {
        ncclCommAbort(comm);
        aborted = true;
        abort_job("rank " + std::to_string(rank) + ": " + what + " failed: " + ncclGetErrorString(async));
      }
      if (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > timeout_s) {
        ncclCommAbort(comm);
        aborted = true;
        abort_job("rank " + std::to_string(rank) + ": " + what + " did not finish within " +
                  std::to_string(static_cast<int>(timeout_s)) +
                  " s (comm.timeout_s): a peer rank is stuck or dead; NCCL communicator aborted, ending the job");
      }
      std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
  }
};

namespace {

class NcclWork : public Work {
 public:
  NcclWork(std::shared_ptr<NcclCommunicator::State> s, cudaEvent_t start, cudaEvent_t end, std::string what)
      : s_(std::move(s)), start_(start), end_(end), what_(std::move(what)) {}
  ~NcclWork() override {
    cudaEventDestroy(start_);
    cudaEventDestroy(end_);
  }
  void wait() override {
    if (waited_) return;
    s_->wait_event(end_, what_);
    float ms = 0;
    if (cudaEventElapsedTime(&ms, start_, end_) == cudaSuccess) seconds_ = ms / 1e3;
    // The compute stream must not read the result before NCCL wrote it.
    cuda_check(cudaStreamWaitEvent(cudaStreamLegacy, end_, 0), "cudaStreamWaitEvent");
    waited_ = true;
  }
  double seconds() const override { return seconds_; }

 private:
  std::shared_ptr<NcclCommunicator::State> s_;
  cudaEvent_t start_, end_;
  std::string what_;
  bool waited_ = false;
  double seconds_ = 0;
};

// One NCCL call on the communicator's stream: after the work already queued on the compute
// stream, between two timing events.
std::shared_ptr<NcclWork> enqueue(const std::shared_ptr<NcclCommunicator::State>& s, std::string what,
                                  const char* name, const std::function<ncclResult_t()>& call) {
  cudaEvent_t start, end;
  cuda_check(cudaEventCreate(&start), "cudaEventCreate");
  cuda_check(cudaEventCreate(&end), "cudaEventCreate");
  s->after_compute();
  cuda_check(cudaEventRecord(start, s->stream), "cudaEventRecord");
  nccl_check(call(), name);
  cuda_check(cudaEventRecord(end, s->stream), "cudaEventRecord");
  return std::make_shared<NcclWork>(s, start, end, std::move(what));
}

}  // namespace

int cuda_device_count() {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no driver" error
    return 0;
  }
  return n;
}

int cuda_capability_major(int device) {
  int major = -1;
  if (cuda_device_count() == 0 || cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) != cudaSuccess)
    return -1;
  return major;
}

NcclCommunicator::NcclCommunicator(Group& group, int device) : Communicator(group), s_(std::make_shared<State>()) {
  if (cuda_device_count() == 0) throw std::runtime_error("nccl backend: no CUDA device visible");
  s_->device = device;
  s_->rank = group.rank();
  s_->timeout_s = group.timeout_s();
  cuda_check(cudaSetDevice(device), "cudaSetDevice");
  ncclUniqueId id;
  std::string bytes;
  if (group.rank() == 0) {
    nccl_check(ncclGetUniqueId(&id), "ncclGetUniqueId");
    bytes.assign(reinterpret_cast<const char*>(&id), sizeof id);
  }
  group.broadcast(bytes, 0, "NCCL unique id broadcast");
  if (bytes.size() != sizeof id) throw std::runtime_error("nccl backend: bad unique id from rank 0");
  std::memcpy(&id, bytes.data(), sizeof id);
  cuda_check(cudaStreamCreateWithFlags(&s_->stream, cudaStreamNonBlocking), "cudaStreamCreate");
  nccl_check(ncclCommInitRank(&s_->comm, group.size(), id, group.rank()), "ncclCommInitRank");
  int version = 0;
  ncclGetVersion(&version);
  spdlog::info("nccl: rank {} of {} on cuda:{} (NCCL {})", group.rank(), group.size(), device, version);
}

NcclCommunicator::~NcclCommunicator() {
  if (s_->comm && !s_->aborted) {
    if (std::uncaught_exceptions() > 0) {
      // Unwinding from an error on this rank: the peers may be blocked in a collective this rank
      // will never join, and a destroy (or a stream sync) waits for them. Abort needs no peer, so
      // the error reaches main() and its MPI_Abort ends the job.
      ncclCommAbort(s_->comm);
    } else {
      cudaStreamSynchronize(s_->stream);
      ncclCommDestroy(s_->comm);
    }
  }
  if (s_->stream) cudaStreamDestroy(s_->stream);
}

std::shared_ptr<Work> NcclCommunicator::all_reduce(torch::Tensor t, ReduceOp op) {
  check_cuda_tensor(t, "all-reduce");
  char what[96];
  std::snprintf(what, sizeof what, "all-reduce of %.2f MB (nccl)", static_cast<double>(t.nbytes()) / 1e6);
  return enqueue(s_, what, "ncclAllReduce", [&] {
    return ncclAllReduce(t.data_ptr(), t.data_ptr(), static_cast<size_t>(t.numel()), nccl_type(t), nccl_op(op),
                         s_->comm, s_->stream);
  });
}

void NcclCommunicator::broadcast(torch::Tensor t, int root) {
  check_cuda_tensor(t, "broadcast");
  enqueue(s_, "broadcast (nccl)", "ncclBroadcast", [&] {
    return ncclBroadcast(t.data_ptr(), t.data_ptr(), static_cast<size_t>(t.numel()), nccl_type(t), root, s_->comm,
                         s_->stream);
  })->wait();
}

torch::Tensor NcclCommunicator::all_gather(const torch::Tensor& t) {
  torch::Tensor in = t.contiguous();
  check_cuda_tensor(in, "all-gather");
  torch::Tensor out = all_gather_output(in, size());
  enqueue(s_, "all-gather (nccl)", "ncclAllGather", [&] {
    return ncclAllGather(in.data_ptr(), out.data_ptr(), static_cast<size_t>(in.numel()), nccl_type(in), s_->comm,
                         s_->stream);
  })->wait();
  return out;
}

void NcclCommunicator::barrier() {
  cuda_check(cudaDeviceSynchronize(), "cudaDeviceSynchronize");
  group_.barrier("barrier (nccl)");
}

}  // namespace gtrain::dist
