// Host and tensor collectives on the ranks of `mpirun -np N` (N >= 2): sums, averages, maxima,
// 16-bit sums, broadcast, all-gather, group splits.
#include <gtest/gtest.h>

#include "dist/communicator.h"
#include "dist/group.h"

using namespace gtrain;
using namespace gtrain::dist;

namespace {
Group& W() { return world(); }
}  // namespace

TEST(Group, HostCollectives) {
  Group& g = W();
  ASSERT_GE(g.size(), 2) << "run under mpirun -np 2 or more";
  const int n = g.size(), r = g.rank();
  std::vector<double> v = {1.0 * r, 2.0, -1.0 * r};
  g.allreduce(v, ReduceOp::Sum, "test sum");
  EXPECT_DOUBLE_EQ(v[0], n * (n - 1) / 2.0);
  EXPECT_DOUBLE_EQ(v[1], 2.0 * n);
  std::vector<double> a = {2.0 * r};
  g.allreduce(a, ReduceOp::Avg, "test avg");
  EXPECT_DOUBLE_EQ(a[0], (n - 1.0));
  std::vector<int64_t> m = {r, -r};
  g.allreduce(m, ReduceOp::Max, "test max");
  EXPECT_EQ(m[0], n - 1);
  EXPECT_EQ(m[1], 0);
  std::string s = r == 0 ? std::string("from rank zero\0x", 16) : std::string();
  g.broadcast(s, 0, "test broadcast");
  EXPECT_EQ(s, std::string("from rank zero\0x", 16));
  auto all = g.allgather(std::string(static_cast<size_t>(r), 'a' + static_cast<char>(r)), "test allgather");
  ASSERT_EQ(static_cast<int>(all.size()), n);
  for (int k = 0; k < n; ++k) EXPECT_EQ(all[static_cast<size_t>(k)], std::string(static_cast<size_t>(k), 'a' + static_cast<char>(k)));
  g.barrier("test barrier");
  EXPECT_GE(g.local_size(), 1);
  EXPECT_LT(g.local_rank(), g.local_size());
}

TEST(Group, SplitMakesIndependentGroups) {
  Group& g = W();
  const int color = g.rank() % 2;
  std::unique_ptr<Group> sub = g.split(color, g.rank());
  const int expected = (g.size() + (color == 0 ? 1 : 0)) / 2;
  EXPECT_EQ(sub->size(), expected);
  EXPECT_EQ(sub->rank(), g.rank() / 2);
  std::vector<double> v = {static_cast<double>(g.rank())};
  sub->allreduce(v, ReduceOp::Sum, "test split sum");
  double want = 0;
  for (int k = color; k < g.size(); k += 2) want += k;
  EXPECT_DOUBLE_EQ(v[0], want);
  EXPECT_EQ(sub->distributed(), expected > 1);  // a one-rank group makes no MPI call
}

TEST(MpiCommunicator, TensorCollectives) {
  Group& g = W();
  auto comm = make_communicator(g, CommBackend::Auto, torch::kCPU);
  EXPECT_EQ(comm->backend(), "mpi");
  const int n = g.size(), r = g.rank();
  torch::Tensor t = torch::full({1000}, static_cast<float>(r + 1));
  comm->all_reduce(t, ReduceOp::Sum)->wait();
  EXPECT_TRUE(torch::all(t == static_cast<float>(n * (n + 1) / 2)).item<bool>());
  torch::Tensor avg = torch::full({7}, static_cast<double>(r), torch::kFloat64);
  comm->all_reduce(avg, ReduceOp::Avg)->wait();
  EXPECT_NEAR(avg[3].item<double>(), (n - 1) / 2.0, 1e-12);
  torch::Tensor mx = torch::tensor({static_cast<int64_t>(r), static_cast<int64_t>(-r)});
  comm->all_reduce(mx, ReduceOp::Max)->wait();
  EXPECT_EQ(mx[0].item<int64_t>(), n - 1);
  for (auto dt : {torch::kHalf, torch::kBFloat16}) {  // 16-bit sums through the custom MPI op
    torch::Tensor h = torch::full({513}, 0.5 * (r + 1), torch::TensorOptions().dtype(dt));
    comm->all_reduce(h, ReduceOp::Sum)->wait();
    EXPECT_NEAR(h.to(torch::kFloat)[512].item<float>(), 0.5f * n * (n + 1) / 2, 1e-2) << c10::toString(dt);
    EXPECT_THROW(comm->all_reduce(h, ReduceOp::Max), std::invalid_argument);
  }
  torch::Tensor b = r == 0 ? torch::arange(10, torch::kFloat) : torch::zeros({10});
  comm->broadcast(b, 0);
  EXPECT_TRUE(torch::equal(b, torch::arange(10, torch::kFloat)));
  torch::Tensor ag = comm->all_gather(torch::full({2, 3}, static_cast<float>(r)));
  ASSERT_EQ(ag.sizes(), (std::vector<int64_t>{n, 2, 3}));
  for (int k = 0; k < n; ++k) EXPECT_EQ(ag[k][1][2].item<float>(), static_cast<float>(k));
  // Async: several in flight at once complete in order.
  std::vector<torch::Tensor> ts;
  std::vector<std::shared_ptr<Work>> ws;
  for (int k = 0; k < 5; ++k) {
    ts.push_back(torch::full({100000}, static_cast<float>(k)));
    ws.push_back(comm->all_reduce(ts.back(), ReduceOp::Sum));
  }
  for (int k = 0; k < 5; ++k) {
    ws[static_cast<size_t>(k)]->wait();
    EXPECT_EQ(ts[static_cast<size_t>(k)][99999].item<float>(), static_cast<float>(k * n));
    EXPECT_GE(ws[static_cast<size_t>(k)]->seconds(), 0.0);
  }
}

TEST(MpiCommunicator, RefusesWhatItCannotMove) {
  Group& g = W();
  EXPECT_THROW(make_communicator(g, CommBackend::Mpi, torch::Device(torch::kCUDA, 0)), std::invalid_argument);
#ifndef GTRAIN_HAVE_NCCL
  EXPECT_THROW(make_communicator(g, CommBackend::Nccl, torch::Device(torch::kCUDA, 0)), std::invalid_argument);
#endif
  auto comm = make_communicator(g, CommBackend::Mpi, torch::kCPU);
  torch::Tensor strided = torch::zeros({4, 4}).t();
  EXPECT_THROW(comm->all_reduce(strided, ReduceOp::Sum), std::invalid_argument);
}
