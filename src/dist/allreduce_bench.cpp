#include "dist/allreduce_bench.h"

#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "dist/communicator.h"

namespace gtrain::dist {

std::vector<AllreduceBenchRow> run_allreduce_bench(Group& group, const AllreduceBenchOptions& o) {
  if (!group.distributed())
    throw std::invalid_argument("bench allreduce: needs 2 or more ranks (run it under mpirun -np N or srun)");
  if (o.min_bytes < 1 || o.max_bytes < o.min_bytes || o.factor < 2 || o.iters < 1 || o.warmup < 0)
    throw std::invalid_argument("bench allreduce: need 1 <= min-bytes <= max-bytes, factor >= 2, iters >= 1");
  torch::ScalarType dt = torch::kFloat;
  if (o.dtype == "half") dt = torch::kHalf;
  else if (o.dtype == "bfloat16") dt = torch::kBFloat16;
  else if (o.dtype == "double") dt = torch::kDouble;
  else if (o.dtype != "float") throw std::invalid_argument("bench allreduce: --dtype must be float, half, bfloat16 or double");
  const bool cuda = o.backend == CommBackend::Nccl || (o.backend == CommBackend::Auto && nccl_available());
  const torch::Device device = cuda ? torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(group.local_rank()))
                                    : torch::Device(torch::kCPU);
  std::unique_ptr<Communicator> comm = make_communicator(group, o.backend, device);
  const int n = group.size();
  const size_t esize = torch::elementSize(dt);
  if (group.rank() == 0) {
    const char* algo = std::getenv(comm->backend() == "nccl" ? "NCCL_ALGO" : "OMPI_MCA_coll_tuned_allreduce_algorithm");
    std::printf("# gtrain bench allreduce: backend %s, %d ranks, %s, sum, in place, %d iterations (+%d warm-up)\n",
                comm->backend().c_str(), n, o.dtype.c_str(), o.iters, o.warmup);
    std::printf("# algorithm: %s\n", algo ? algo : (comm->backend() == "nccl" ? "NCCL's choice (NCCL_ALGO unset)"
                                                                             : "Open MPI coll/tuned decision rules"));
    std::printf("# %12s %12s %8s %12s %12s %12s\n", "size(B)", "count", "type", "time(us)", "algbw(GB/s)", "busbw(GB/s)");
  }
  std::vector<AllreduceBenchRow> rows;
  for (int64_t bytes = o.min_bytes; bytes <= o.max_bytes; bytes *= o.factor) {
    const int64_t count = std::max<int64_t>(1, bytes / static_cast<int64_t>(esize));
    torch::Tensor t = torch::ones({count}, torch::TensorOptions().dtype(dt).device(device));
    for (int i = 0; i < o.warmup; ++i) comm->all_reduce(t, ReduceOp::Sum)->wait();
    comm->barrier();
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < o.iters; ++i) comm->all_reduce(t, ReduceOp::Sum)->wait();
    if (device.is_cuda()) comm->barrier();
    double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / o.iters;
    group.allreduce(&us, 1, ReduceOp::Max, "bench time all-reduce");
    AllreduceBenchRow r;
    r.count = count;
    r.bytes = count * static_cast<int64_t>(esize);
    r.time_us = us;
    r.algbw_gbs = static_cast<double>(r.bytes) / (us * 1e-6) / 1e9;
    r.busbw_gbs = r.algbw_gbs * 2.0 * (n - 1) / n;
    rows.push_back(r);
    if (group.rank() == 0)
      std::printf("  %12lld %12lld %8s %12.1f %12.4g %12.4g\n", (long long)r.bytes, (long long)r.count, o.dtype.c_str(),
                  r.time_us, r.algbw_gbs, r.busbw_gbs);
  }
  if (group.rank() == 0) std::fflush(stdout);
  return rows;
}

}  // namespace gtrain::dist
