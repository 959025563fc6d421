// model/matmul: the oneDNN products give torch's results and gradients within fp32 rounding, for
// every operand layout the model passes (batched, transposed, column slices, no bias), and inputs it
// does not take (double, bf16, CPU autocast) go to torch's own ops unchanged.
#include <ATen/autocast_mode.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>

#include "model/accumulate_grad.h"
#include "model/matmul.h"

namespace {

using Inputs = std::vector<torch::Tensor>;

// y's autograd node, or the one just before it (an in-place op on the output), is gtrain's.
bool made_by_onednn(const torch::Tensor& y) {
  const auto& fn = y.grad_fn();
  if (!fn) return false;
  if (fn->name().find("Onednn") != std::string::npos) return true;
  for (const auto& e : fn->next_edges())
    if (e.function && e.function->name().find("Onednn") != std::string::npos) return true;
  return false;
}

// Runs f on copies of the inputs with the given product library; returns the output followed by
// each input's gradient for a fixed random output weighting.
std::vector<torch::Tensor> run(gtrain::CpuMatmul m, const Inputs& in,
                               const std::function<torch::Tensor(const Inputs&)>& f) {
  const gtrain::CpuMatmul before = gtrain::cpu_matmul();
  gtrain::set_cpu_matmul(m);
  Inputs leaves;
  for (const auto& t : in) leaves.push_back(t.defined() ? t.detach().clone().requires_grad_(t.requires_grad()) : t);
  torch::Tensor y = f(leaves);
  if (m == gtrain::CpuMatmul::onednn && gtrain::cpu_matmul_uses_onednn())  // the path under test ran
    EXPECT_TRUE(made_by_onednn(y)) << y.grad_fn()->name();
  torch::manual_seed(99);
  // The upstream gradient arrives transposed (not contiguous) for 2-D and 3-D outputs.
  torch::Tensor yt = y.dim() >= 2 ? y.transpose(0, 1) : y;
  (yt * torch::randn_like(yt)).sum().backward();
  gtrain::set_cpu_matmul(before);
  std::vector<torch::Tensor> out{y.detach()};
  for (const auto& t : leaves)
    if (t.defined() && t.requires_grad()) out.push_back(t.grad());
  return out;
}

void expect_same_as_torch(const Inputs& in, const std::function<torch::Tensor(const Inputs&)>& f,
                          const char* what) {
  const auto ours = run(gtrain::CpuMatmul::onednn, in, f);
  const auto ref = run(gtrain::CpuMatmul::torch, in, f);
  ASSERT_EQ(ours.size(), ref.size()) << what;
  for (size_t i = 0; i < ours.size(); ++i) {
    ASSERT_EQ(ours[i].sizes(), ref[i].sizes()) << what << " tensor " << i;
    EXPECT_TRUE(torch::allclose(ours[i], ref[i], /*rtol=*/1e-4, /*atol=*/1e-4))
        << what << " tensor " << i << ": max |difference| " << (ours[i] - ref[i]).abs().max().item<double>();
  }
}

}  // namespace

// Every product takes the oneDNN path here, however small (the default sends small ones to torch).
class Matmul : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = gtrain::onednn_min_macs(); gtrain::set_onednn_min_macs(0); }
  void TearDown() override { gtrain::set_onednn_min_macs(saved_); }
  double saved_ = 0;
};

TEST_F(Matmul, OnednnIsUsedWhereLibTorchHasIt) {
  if (!at::hasMKLDNN()) GTEST_SKIP() << "this LibTorch has no oneDNN: torch's products are used";
  gtrain::set_cpu_matmul(gtrain::CpuMatmul::onednn);
  EXPECT_TRUE(gtrain::cpu_matmul_uses_onednn());
  // fp32 CPU products are gtrain's autograd nodes, not torch's.
  const torch::Tensor x = torch::randn({3, 4}, torch::requires_grad()), w = torch::randn({5, 4});
  EXPECT_NE(gtrain::linear(x, w).grad_fn()->name().find("OnednnLinear"), std::string::npos);
  EXPECT_NE(gtrain::bmm(x.unsqueeze(0), w.t().unsqueeze(0)).grad_fn()->name().find("OnednnBmm"), std::string::npos);
  gtrain::set_cpu_matmul(gtrain::CpuMatmul::torch);
  EXPECT_EQ(gtrain::linear(x, w).grad_fn()->name().find("Onednn"), std::string::npos);
  EXPECT_FALSE(gtrain::cpu_matmul_uses_onednn());
  gtrain::set_cpu_matmul(gtrain::CpuMatmul::onednn);
}

TEST_F(Matmul, LinearMatchesTorchForwardAndBackward) {
  torch::manual_seed(1);
  const torch::Tensor x3 = torch::randn({4, 37, 96}).requires_grad_(true),
                      w = (torch::randn({130, 96}) * 0.1).requires_grad_(true), b = torch::randn({130}).requires_grad_(true);
  auto lin = [](const Inputs& t) { return gtrain::linear(t[0], t[1], t[2]); };
  auto lin_nobias = [](const Inputs& t) { return gtrain::linear(t[0], t[1]); };
  expect_same_as_torch({x3, w, b}, lin, "3-D input with bias");
  expect_same_as_torch({x3.reshape({-1, 96}), w}, lin_nobias, "2-D input, no bias");
  expect_same_as_torch({x3[0][5], w, b}, lin, "1-D input");
  // The span head's column slices of a weight (model/span_rep.cpp) and a transposed input.
  const torch::Tensor wide = (torch::randn({64, 192}) * 0.1).requires_grad_(true);
  expect_same_as_torch({x3, wide, b.slice(0, 0, 64)},
                       [](const Inputs& t) { return gtrain::linear(t[0], t[1].narrow(1, 96, 96), t[2]); },
                       "weight column slice");
  expect_same_as_torch({torch::randn({96, 50}).requires_grad_(true), w, b},
                       [](const Inputs& t) { return gtrain::linear(t[0].t(), t[1], t[2]); }, "transposed input");
  // Frozen weight and bias (LoRA): only the input's gradient is asked for.
  expect_same_as_torch({x3, w.detach(), b.detach()}, lin, "frozen weight and bias");
  // An in-place op on the output under autograd (span_rep's unfused path applies relu_).
  expect_same_as_torch({x3, w, b}, [](const Inputs& t) { return gtrain::linear(t[0], t[1], t[2]).relu_(); },
                       "in-place relu_ on the output");
}

TEST_F(Matmul, BmmMatchesTorchForwardAndBackward) {
  torch::manual_seed(2);
  auto leaf = [](torch::IntArrayRef s) { return torch::randn(s).requires_grad_(true); };
  const torch::Tensor q = leaf({12, 41, 32}), k = leaf({12, 41, 32}), r = leaf({12, 41, 77});
  expect_same_as_torch({q, k}, [](const Inputs& t) { return gtrain::bmm(t[0], t[1].transpose(1, 2)); },
                       "a · bᵀ (attention scores)");
  expect_same_as_torch({r, leaf({12, 77, 32})}, [](const Inputs& t) { return gtrain::bmm(t[0], t[1]); },
                       "a · b (probabilities · values)");
  expect_same_as_torch({q, k.detach()}, [](const Inputs& t) { return gtrain::bmm(t[0], t[1].transpose(1, 2)); },
                       "second operand without gradient");
  expect_same_as_torch({leaf({41, 12, 32}), k},
                       [](const Inputs& t) { return gtrain::bmm(t[0].transpose(0, 1), t[1].transpose(1, 2)); },
                       "batch-strided operand");
  // An expanded (stride 0) batch is copied before oneDNN reads it.
  expect_same_as_torch({leaf({1, 41, 32}), k},
                       [](const Inputs& t) { return gtrain::bmm(t[0].expand({12, 41, 32}), t[1].transpose(1, 2)); },
                       "expanded batch");
}

// Gradient accumulation (model/accumulate_grad.h): a later micro-batch's weight gradient is added
// into the first one's tensor by the product itself (the backward hands autograd no new tensor
// for it, which a hook on the weight sees), and the sum is torch's.
TEST_F(Matmul, LaterMicroBatchesAddIntoTheWeightGradient) {
  if (!at::hasMKLDNN()) GTEST_SKIP() << "this LibTorch has no oneDNN: torch's products are used";
  gtrain::set_cpu_matmul(gtrain::CpuMatmul::onednn);
  torch::manual_seed(2);
  const torch::Tensor w0 = torch::randn({130, 96}) * 0.1, b0 = torch::randn({130});
  const Inputs xs{torch::randn({4, 37, 96}), torch::randn({2, 50, 96}), torch::randn({3, 96})};
  std::vector<torch::Tensor> ups;
  for (const auto& x : xs) {
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape.back() = 130;
    ups.push_back(torch::randn(shape));
  }
  auto accumulate = [&](bool ours, torch::Tensor& w, torch::Tensor& b) {
    w = w0.clone().requires_grad_(true), b = b0.clone().requires_grad_(true);
    std::vector<bool> incoming;  // whether each backward handed autograd a weight gradient
    w.register_hook([&](const torch::Tensor& g) { incoming.push_back(g.defined()); });
    for (size_t i = 0; i < xs.size(); ++i) {
      torch::Tensor y = ours ? gtrain::linear(xs[i], w, b) : torch::nn::functional::linear(xs[i], w, b);
      gtrain::InPlaceGradAccumulation in_place;
      (y * ups[i]).sum().backward();
    }
    if (ours) EXPECT_EQ(incoming, (std::vector<bool>{true, false, false})) << "micro-batches 2 and 3 add in place";
  };
  torch::Tensor w, b, w_ref, b_ref;
  accumulate(true, w, b);
  accumulate(false, w_ref, b_ref);
  EXPECT_TRUE(torch::allclose(w.grad(), w_ref.grad(), 1e-4, 1e-4))
      << "max |difference| " << (w.grad() - w_ref.grad()).abs().max().item<double>();
  EXPECT_TRUE(torch::allclose(b.grad(), b_ref.grad(), 1e-4, 1e-4));

  // Outside the scope, torch's way: a fresh gradient each time, and torch::autograd::grad returns
  // it without touching w.grad.
  torch::Tensor w2 = w0.clone().requires_grad_(true);
  w2.mutable_grad() = w.grad().clone();
  std::vector<bool> incoming;
  w2.register_hook([&](const torch::Tensor& g) { incoming.push_back(g.defined()); });
  const torch::Tensor before = w2.grad().clone();
  const auto got = torch::autograd::grad({(gtrain::linear(xs[0], w2, b0) * ups[0]).sum()}, {w2});
  ASSERT_TRUE(got[0].defined());
  EXPECT_TRUE(torch::equal(w2.grad(), before));
  (gtrain::linear(xs[1], w2, b0) * ups[1]).sum().backward();
  EXPECT_EQ(incoming, (std::vector<bool>{true, true}));
}

TEST(MatmulSizes, SmallProductsKeepTorchsKernel) {
  ASSERT_GT(gtrain::onednn_min_macs(), 0.0);
  gtrain::set_cpu_matmul(gtrain::CpuMatmul::onednn);
  if (!gtrain::cpu_matmul_uses_onednn()) GTEST_SKIP() << "no oneDNN in this LibTorch";
  const torch::Tensor w = torch::randn({64, 64}, torch::requires_grad());
  EXPECT_FALSE(made_by_onednn(gtrain::linear(torch::randn({8, 64}), w)));     // 32k multiply-adds
  EXPECT_TRUE(made_by_onednn(gtrain::linear(torch::randn({8192, 64}), w)));  // 2^25
}

TEST_F(Matmul, OtherInputsKeepTorchsOps) {
  torch::manual_seed(3);
  const torch::Tensor x = torch::randn({8, 16}), w = torch::randn({24, 16}), b = torch::randn({24});
  gtrain::set_cpu_matmul(gtrain::CpuMatmul::onednn);
  // double and bf16: bit for bit torch's result.
  const auto xd = x.to(torch::kFloat64), wd = w.to(torch::kFloat64), bd = b.to(torch::kFloat64);
  EXPECT_TRUE(torch::equal(gtrain::linear(xd, wd, bd), torch::nn::functional::linear(xd, wd, bd)));
  const auto xh = x.to(torch::kBFloat16), wh = w.to(torch::kBFloat16);
  EXPECT_TRUE(torch::equal(gtrain::linear(xh, wh), torch::nn::functional::linear(xh, wh)));
  // CPU autocast: torch's linear, autocast to bf16.
  {
    at::autocast::set_autocast_enabled(at::kCPU, true);
    at::autocast::set_autocast_dtype(at::kCPU, at::kBFloat16);
    const torch::Tensor y = gtrain::linear(x, w, b);
    EXPECT_EQ(y.scalar_type(), torch::kBFloat16);
    at::autocast::set_autocast_enabled(at::kCPU, false);
    at::autocast::clear_cache();
  }
  // Shapes that do not fit get torch's error.
  EXPECT_THROW(gtrain::linear(x, torch::randn({24, 15})), c10::Error);
  EXPECT_THROW(gtrain::bmm(torch::randn({2, 3, 4}), torch::randn({2, 5, 6})), c10::Error);
}
