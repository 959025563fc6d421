// GradReducer on the ranks of `mpirun -np N`: the reduced gradient of every parameter is the sum
// of the ranks' gradients, overlapped or not, with tiny buckets, with accumulation, when a rank
// has no batch, and when parameters are used by some ranks or none.
#include <gtest/gtest.h>

#include "dist/communicator.h"
#include "dist/grad_reducer.h"
#include "dist/group.h"

using namespace gtrain;
using namespace gtrain::dist;

namespace {

// Parameters 0..5 of varied sizes; rank r's loss is sum_i coef(i, r) * sum(p_i * x_i) with fixed
// x_i, so d loss / d p_i = coef(i, r) * x_i. Parameter 4 is used only by rank 0; 5 by nobody.
struct Toy {
  std::vector<torch::Tensor> params, inputs;
  Toy() {
    torch::manual_seed(3);
    for (int64_t n : {3, 1000, 50, 20000, 7, 11}) {
      params.push_back(torch::zeros({n}).set_requires_grad(true));
      inputs.push_back(torch::randn({n}));
    }
  }
  static double coef(size_t i, int r) { return (i + 1) * 0.5 + r; }
  static bool uses(size_t i, int r) { return i < 4 || (i == 4 && r == 0); }
  void backward(int r, double scale = 1.0) {
    torch::Tensor loss = torch::zeros({});
    // Reverse order on odd ranks: gradients become ready in another order than on even ranks.
    std::vector<size_t> order = {0, 1, 2, 3, 4, 5};
    if (r % 2) std::reverse(order.begin(), order.end());
    for (size_t i : order)
      if (uses(i, r)) loss = loss + coef(i, r) * scale * (params[i] * inputs[i]).sum();
    loss.backward();
  }
  // Sum over ranks of d loss / d p_i (times `times` backward passes).
  torch::Tensor expected(size_t i, int world, double times = 1.0) const {
    double c = 0;
    for (int r = 0; r < world; ++r)
      if (uses(i, r)) c += coef(i, r);
    return inputs[i] * (c * times);
  }
};

void expect_reduced(const Toy& toy, int world, double times, const char* what, double tol = 1e-6) {
  for (size_t i = 0; i < toy.params.size(); ++i) {
    const torch::Tensor& g = toy.params[i].grad();
    if (i == 5) {
      EXPECT_FALSE(g.defined()) << what << ": a parameter no rank used got a gradient";
      continue;
    }
    ASSERT_TRUE(g.defined()) << what << ": parameter " << i;
    EXPECT_TRUE(torch::allclose(g, toy.expected(i, world, times), tol, tol)) << what << ": parameter " << i;
  }
}

void clear(Toy& toy) {
  for (auto& p : toy.params) p.mutable_grad() = torch::Tensor();
}

}  // namespace

TEST(GradReducer, SumsGradientsOverlappedAndNot) {
  Group& g = world();
  auto comm = make_communicator(g, CommBackend::Mpi, torch::kCPU);
  for (bool overlap : {true, false}) {
    for (double mb : {25.0, 0.001}) {  // one bucket; a bucket per parameter or so
      Toy toy;
      ReducerOptions o;
      o.overlap = overlap;
      o.bucket_mb = mb;
      o.first_bucket_mb = std::min(mb, 1.0);
      GradReducer red(toy.params, *comm, o);
      if (mb < 0.01) {
        EXPECT_GE(red.num_buckets(), 4u);
      }
      for (int step = 0; step < 3; ++step) {
        red.prepare();
        toy.backward(g.rank());
        red.finish();
        expect_reduced(toy, g.size(), 1.0, overlap ? "overlap" : "reference");
        clear(toy);
      }
      EXPECT_EQ(red.stats().reductions, 3);
      EXPECT_GE(red.stats().exposed_s, 0.0);
    }
  }
}

// Buckets are counted in MiB, as comm.bucket_mb is documented: 260,000 floats (1,040,000 bytes) are
// over 1 MB and under 1 MiB, so they share one bucket of bucket_mb 1 (they took two before).
TEST(GradReducer, BucketSizesAreMiB) {
  Group& g = world();
  auto comm = make_communicator(g, CommBackend::Mpi, torch::kCPU);
  const std::vector<torch::Tensor> params = {torch::zeros({200000}).set_requires_grad(true),
                                             torch::zeros({60000}).set_requires_grad(true)};
  ReducerOptions o;
  o.bucket_mb = 1.0;
  o.first_bucket_mb = 1.0;
  EXPECT_EQ(GradReducer(params, *comm, o).num_buckets(), 1u);
  o.bucket_mb = o.first_bucket_mb = 0.99;  // 259,522 floats
  EXPECT_EQ(GradReducer(params, *comm, o).num_buckets(), 2u);
}

TEST(GradReducer, AccumulationCommunicatesOnlyOnTheLastMicroStep) {
  Group& g = world();
  auto comm = make_communicator(g, CommBackend::Mpi, torch::kCPU);
  Toy toy;
  ReducerOptions o;
  o.bucket_mb = 0.01;
  GradReducer red(toy.params, *comm, o);
  toy.backward(g.rank());  // micro-step 1: local accumulation only
  EXPECT_EQ(red.stats().bytes, 0);
  red.prepare();
  toy.backward(g.rank());  // micro-step 2: reduced
  red.finish();
  expect_reduced(toy, g.size(), 2.0, "accumulation");
}

TEST(GradReducer, RankWithoutABatchContributesZeros) {
  Group& g = world();
  auto comm = make_communicator(g, CommBackend::Mpi, torch::kCPU);
  Toy toy;
  GradReducer red(toy.params, *comm, ReducerOptions{});
  red.prepare();
  if (g.rank() != 1) toy.backward(g.rank());  // rank 1 had an empty share
  red.finish();
  for (size_t i = 0; i < 5; ++i) {
    double c = 0;
    for (int r = 0; r < g.size(); ++r)
      if (r != 1 && Toy::uses(i, r)) c += Toy::coef(i, r);
    ASSERT_TRUE(toy.params[i].grad().defined()) << i;
    EXPECT_TRUE(torch::allclose(toy.params[i].grad(), toy.inputs[i] * c, 1e-6, 1e-6)) << i;
  }
  EXPECT_FALSE(toy.params[5].grad().defined());
}

TEST(GradReducer, CompressedWireIsCloseAndGradScaleApplies) {
  Group& g = world();
  auto comm = make_communicator(g, CommBackend::Mpi, torch::kCPU);
  for (auto wire : {torch::kHalf, torch::kBFloat16}) {
    Toy toy;
    ReducerOptions o;
    o.wire_dtype = wire;
    o.grad_scale = 1.0 / g.size();  // average
    GradReducer red(toy.params, *comm, o);
    red.prepare();
    toy.backward(g.rank());
    red.finish();
    for (size_t i = 0; i < 5; ++i) {
      const torch::Tensor want = toy.expected(i, g.size()) / g.size();
      const double err = (toy.params[i].grad() - want).abs().max().item<double>();
      EXPECT_LT(err, 2e-2 * (want.abs().max().item<double>() + 1e-3)) << c10::toString(wire) << " parameter " << i;
    }
  }
}
