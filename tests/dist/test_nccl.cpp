// The NCCL backend where GPUs exist: compiled and linked on every build with CUDA + NCCL, skipped
// (not passed) on machines without a usable GPU. Runs as one process and under mpirun -np 2.
#include <gtest/gtest.h>

#include "dist/communicator.h"
#include "dist/group.h"
#ifdef GTRAIN_HAVE_NCCL
#include "dist/grad_reducer.h"
#include "dist/nccl_communicator.h"
#endif

using namespace gtrain;
using namespace gtrain::dist;

TEST(Nccl, AllReduceBroadcastAllGatherAcrossRanks) {
#ifndef GTRAIN_HAVE_NCCL
  GTEST_SKIP() << "built without NCCL";
#else
  Group& g = world();
  const int devices = cuda_device_count();
  // Decided collectively, so every rank skips or none does.
  std::vector<int64_t> enough = {devices >= g.local_size() && torch::cuda::is_available() ? 1 : 0};
  g.allreduce(enough, ReduceOp::Min, "nccl test device check");
  if (!enough[0]) GTEST_SKIP() << "needs one CUDA device per rank and a CUDA build of LibTorch (" << devices << " visible)";
  const torch::Device dev(torch::kCUDA, static_cast<c10::DeviceIndex>(g.local_rank()));
  // Directly, not through make_communicator: a one-process run (no mpirun) tests NCCL too.
  auto comm = std::make_unique<NcclCommunicator>(g, g.local_rank());
  EXPECT_EQ(comm->backend(), "nccl");
  if (g.distributed()) {
    EXPECT_EQ(make_communicator(g, CommBackend::Auto, dev)->backend(), "nccl");
  }
  const int n = g.size(), r = g.rank();
  torch::Tensor t = torch::full({1 << 20}, static_cast<float>(r + 1), torch::TensorOptions().device(dev));
  comm->all_reduce(t, ReduceOp::Sum)->wait();
  EXPECT_TRUE(torch::all(t == static_cast<float>(n * (n + 1) / 2)).item<bool>());
  torch::Tensor h = torch::full({4097}, 1.0, torch::TensorOptions().device(dev).dtype(torch::kHalf));
  comm->all_reduce(h, ReduceOp::Avg)->wait();
  EXPECT_NEAR(h[4096].item<float>(), 1.0f, 1e-3);
  torch::Tensor b = r == 0 ? torch::arange(10, torch::TensorOptions().device(dev).dtype(torch::kFloat))
                           : torch::zeros({10}, torch::TensorOptions().device(dev));
  comm->broadcast(b, 0);
  EXPECT_EQ(b[9].item<float>(), 9.0f);
  torch::Tensor ag = comm->all_gather(torch::full({3}, static_cast<float>(r), torch::TensorOptions().device(dev)));
  EXPECT_EQ(ag[n - 1][2].item<float>(), static_cast<float>(n - 1));
  // The reducer on GPU tensors.
  std::vector<torch::Tensor> params = {torch::zeros({1000}, torch::TensorOptions().device(dev)).set_requires_grad(true)};
  ReducerOptions o;
  GradReducer red(params, *comm, o);
  red.prepare();
  ((r + 1.0) * params[0].sum()).backward();
  red.finish();
  EXPECT_NEAR(params[0].grad()[7].item<float>(), n * (n + 1) / 2.0, 1e-5);
#endif
}
