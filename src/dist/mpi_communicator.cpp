#include "dist/mpi_communicator.h"

#include <stdexcept>

namespace gtrain::dist {

namespace {

void check(int rc, const std::string& what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  throw std::runtime_error(what + ": " + std::string(msg, static_cast<size_t>(len)));
}

// Element-wise sums of 16-bit floats (MPI has no such type): widen, add, round back.
template <typename T>
void sum16(void* in, void* inout, int* len, MPI_Datatype*) {
  const T* a = static_cast<const T*>(in);
  T* b = static_cast<T*>(inout);
  for (int i = 0; i < *len; ++i) b[i] = static_cast<T>(static_cast<float>(a[i]) + static_cast<float>(b[i]));
}

MPI_Op half_sum_op() {
  static MPI_Op op = [] {
    MPI_Op o;
    MPI_Op_create(&sum16<c10::Half>, /*commute=*/1, &o);
    return o;
  }();
  return op;
}
MPI_Op bf16_sum_op() {
  static MPI_Op op = [] {
    MPI_Op o;
    MPI_Op_create(&sum16<c10::BFloat16>, 1, &o);
    return o;
  }();
  return op;
}

MPI_Datatype mpi_type(const torch::Tensor& t) {
  return backend_dtype<MPI_Datatype>(t, "mpi", {{torch::kFloat32, MPI_FLOAT}, {torch::kFloat64, MPI_DOUBLE},
                                                {torch::kInt64, MPI_INT64_T}, {torch::kInt32, MPI_INT32_T},
                                                {torch::kFloat16, MPI_UINT16_T}, {torch::kBFloat16, MPI_UINT16_T},
                                                {torch::kUInt8, MPI_BYTE}});
}

void check_op(const torch::Tensor& t, ReduceOp op) {
  const bool is16 = t.scalar_type() == torch::kFloat16 || t.scalar_type() == torch::kBFloat16;
  if (is16 && op != ReduceOp::Sum && op != ReduceOp::Avg)
    throw std::invalid_argument("mpi backend: 16-bit tensors support only sum and average");
}

// Called on the comm thread (MPI_Op_create is an MPI call: SERIALIZED allows it only there).
MPI_Op mpi_op(torch::ScalarType dtype, ReduceOp op) {
  if (dtype == torch::kFloat16) return half_sum_op();
  if (dtype == torch::kBFloat16) return bf16_sum_op();
  switch (op) {
    case ReduceOp::Max: return MPI_MAX;
    case ReduceOp::Min: return MPI_MIN;
    default: return MPI_SUM;
  }
}

void check_cpu_tensor(const torch::Tensor& t, const char* op) {
  if (!t.device().is_cpu())
    throw std::invalid_argument(std::string("mpi backend: ") + op + " of a " + t.device().str() +
                                " tensor; use comm.backend: nccl for GPU tensors");
  if (!t.is_contiguous()) throw std::invalid_argument(std::string("mpi backend: ") + op + " needs a contiguous tensor");
  if (t.numel() > std::numeric_limits<int>::max())
    throw std::invalid_argument(std::string("mpi backend: ") + op + " of more than 2^31 elements");
}

std::string describe(const char* op, const torch::Tensor& t) {
  char b[96];
  std::snprintf(b, sizeof b, "%s of %.2f MB (mpi)", op, static_cast<double>(t.nbytes()) / 1e6);
  return b;
}

class MpiWork : public Work {
 public:
  MpiWork(std::shared_ptr<CommJob> job, torch::Tensor t, double divide)
      : job_(std::move(job)), t_(std::move(t)), divide_(divide) {}
  void wait() override {
    if (waited_) return;
    job_->wait();
    if (divide_ != 1.0) t_.div_(divide_);
    waited_ = true;
  }
  double seconds() const override { return job_->seconds(); }

 private:
  std::shared_ptr<CommJob> job_;
  torch::Tensor t_;
  double divide_;
  bool waited_ = false;
};

}  // namespace

MpiCommunicator::MpiCommunicator(Group& group) : Communicator(group) {
  if (!group.distributed()) throw std::invalid_argument("MpiCommunicator needs a group of more than one rank");
}

std::shared_ptr<Work> MpiCommunicator::all_reduce(torch::Tensor t, ReduceOp op) {
  check_cpu_tensor(t, "all-reduce");
  check_op(t, op);
  const MPI_Datatype type = mpi_type(t);
  const torch::ScalarType dtype = t.scalar_type();
  MPI_Comm comm = group_.comm();
  const int n = static_cast<int>(t.numel());
  const std::string what = describe("all-reduce", t);
  // The job holds the tensor: its memory lives until the all-reduce is done, whatever the caller does.
  auto job = group_.thread()->submit(what, [=] {
    check(MPI_Allreduce(MPI_IN_PLACE, t.data_ptr(), n, type, mpi_op(dtype, op), comm), what);
  });
  return std::make_shared<MpiWork>(std::move(job), t, op == ReduceOp::Avg ? static_cast<double>(size()) : 1.0);
}

void MpiCommunicator::broadcast(torch::Tensor t, int root) {
  check_cpu_tensor(t, "broadcast");
  const MPI_Datatype type = mpi_type(t);
  MPI_Comm comm = group_.comm();
  void* ptr = t.data_ptr();
  const int n = static_cast<int>(t.numel());
  const std::string what = describe("broadcast", t);
  group_.thread()->run(what, [=] { check(MPI_Bcast(ptr, n, type, root, comm), what); });
}

torch::Tensor MpiCommunicator::all_gather(const torch::Tensor& t) {
  torch::Tensor in = t.contiguous();
  check_cpu_tensor(in, "all-gather");
  torch::Tensor out = all_gather_output(in, size());
  const MPI_Datatype type = mpi_type(in);
  MPI_Comm comm = group_.comm();
  const int n = static_cast<int>(in.numel());
  const std::string what = describe("all-gather", in);
  group_.thread()->run(what, [&] { check(MPI_Allgather(in.data_ptr(), n, type, out.data_ptr(), n, type, comm), what); });
  return out;
}

void MpiCommunicator::barrier() { group_.barrier("barrier (mpi)"); }

}  // namespace gtrain::dist
