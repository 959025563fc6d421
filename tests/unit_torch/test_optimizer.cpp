// The fused AdamW step (ATen's _fused_adamw_ on torch::optim::AdamW's own state) against torch's
// reference AdamW::step: same parameters and moments within fp32 rounding after several steps,
// with two learning rates, decay and no-decay groups, and a parameter without a gradient (no step,
// no decay, no state), as torch does it.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "train/optimizer.h"

using namespace gtrain;

namespace {
struct Net : torch::nn::Module {
  torch::Tensor encoder_w, encoder_bias, head_w, head_bias, unused_w;
  Net() {
    torch::manual_seed(3);
    encoder_w = register_parameter("encoder_w", torch::randn({64, 33}));
    encoder_bias = register_parameter("encoder_bias", torch::randn({33}));
    head_w = register_parameter("head_w", torch::randn({33, 7}));
    head_bias = register_parameter("head_bias", torch::randn({7}));
    unused_w = register_parameter("head_unused", torch::randn({5, 5}));
  }
  torch::Tensor loss(const torch::Tensor& x) {
    return (torch::tanh(x.matmul(encoder_w) + encoder_bias).matmul(head_w) + head_bias).pow(2).mean();
  }
};
}  // namespace

TEST(FusedAdamW, MatchesTorchAdamW) {
  OptimConfig cfg;
  cfg.encoder_lr = 3e-3;
  cfg.head_lr = 1e-2;
  cfg.weight_decay = 0.05;
  Net a, b;
  TrainOptimizer fused = make_optimizer(a, cfg), ref = make_optimizer(b, cfg);
  ASSERT_EQ(fused.groups.size(), 4u);  // encoder, encoder/no_decay, heads, heads/no_decay
  ref.fused = false;
  torch::manual_seed(7);
  for (int step = 0; step < 5; ++step) {
    torch::Tensor x = torch::randn({16, 64});
    fused.set_lr_factor(1.0 - 0.1 * step);
    ref.set_lr_factor(1.0 - 0.1 * step);
    for (auto* pair : {&a, &b}) {
      pair->zero_grad();
      pair->loss(x).backward();
    }
    fused.step();
    ref.step();
  }
  auto pa = a.named_parameters(), pb = b.named_parameters();
  for (const auto& kv : pa) {
    const torch::Tensor& x = kv.value();
    const torch::Tensor& y = pb[kv.key()];
    EXPECT_TRUE(torch::allclose(x, y, /*rtol=*/1e-5, /*atol=*/1e-6))
        << kv.key() << " max diff " << (x - y).abs().max().item<double>();
  }
  // The parameter that never had a gradient: untouched by both (no decay), and no state.
  Net fresh;
  EXPECT_TRUE(torch::equal(a.unused_w, fresh.unused_w));
  EXPECT_EQ(fused.adamw->state().count(a.unused_w.unsafeGetTensorImpl()), 0u);
  // Same state layout: step counts and moments agree, so a checkpoint written by either resumes in either.
  const auto& sa = static_cast<torch::optim::AdamWParamState&>(*fused.adamw->state().at(a.head_w.unsafeGetTensorImpl()));
  const auto& sb = static_cast<torch::optim::AdamWParamState&>(*ref.adamw->state().at(b.head_w.unsafeGetTensorImpl()));
  EXPECT_EQ(sa.step(), 5);
  EXPECT_EQ(sb.step(), 5);
  EXPECT_TRUE(torch::allclose(sa.exp_avg(), sb.exp_avg(), 1e-5, 1e-7));
  EXPECT_TRUE(torch::allclose(sa.exp_avg_sq(), sb.exp_avg_sq(), 1e-5, 1e-9));
}
