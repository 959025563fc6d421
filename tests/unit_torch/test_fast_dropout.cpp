// model/fast_dropout: torch's dropout distribution (keep 1 - p, scale 1 / (1 - p)), its gradient,
// and draws that follow torch's seed.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/fast_dropout.h"

TEST(FastDropout, KeepRateScaleAndGradient) {
  torch::manual_seed(1);
  for (double p : {0.1, 0.5}) {
    torch::Tensor x = torch::rand({1000, 1000}) + 1.0;  // no zeros: a zero output means dropped
    x.requires_grad_(true);
    torch::Tensor y = gtrain::dropout(x, p, true);
    const torch::Tensor kept = y != 0;
    const double keep = kept.to(torch::kFloat64).mean().item<double>();
    EXPECT_NEAR(keep, 1.0 - p, 0.003) << "p " << p;  // 1M draws: sd 0.0005
    EXPECT_TRUE(torch::allclose(y.masked_select(kept), x.masked_select(kept) / (1.0 - p)));
    torch::Tensor w = torch::randn_like(y);
    (y * w).sum().backward();
    EXPECT_TRUE(torch::allclose(x.grad(), w * kept.to(torch::kFloat32) / (1.0 - p)));
    // Neighbouring elements are not correlated (the hash of a counter): pairs kept together at ~(1-p)^2.
    torch::Tensor k = kept.flatten().to(torch::kFloat64);
    const double both = (k.slice(0, 0, -1) * k.slice(0, 1)).mean().item<double>();
    EXPECT_NEAR(both, (1.0 - p) * (1.0 - p), 0.004);
  }
}

TEST(FastDropout, FollowsTorchSeedAndEvalIsIdentity) {
  torch::Tensor x = torch::ones({64, 64});
  torch::manual_seed(7);
  torch::Tensor a = gtrain::dropout(x, 0.3, true), b = gtrain::dropout(x, 0.3, true);
  torch::manual_seed(7);
  torch::Tensor a2 = gtrain::dropout(x, 0.3, true);
  EXPECT_TRUE(torch::equal(a, a2));   // same seed, same mask
  EXPECT_FALSE(torch::equal(a, b));   // the next call draws a new one
  EXPECT_TRUE(torch::equal(gtrain::dropout(x, 0.3, false), x));
  EXPECT_TRUE(torch::equal(gtrain::dropout(x, 0.0, true), x));
  EXPECT_EQ(gtrain::dropout(x, 1.0, true).abs().sum().item<double>(), 0.0);
  // Non-contiguous input and bf16 work too.
  torch::Tensor t = torch::ones({32, 48}).t();
  EXPECT_EQ(gtrain::dropout(t, 0.5, true).sizes(), t.sizes());
  torch::Tensor h = gtrain::dropout(torch::ones({1000}, torch::kBFloat16), 0.5, true);
  EXPECT_EQ(h.scalar_type(), torch::kBFloat16);
  EXPECT_NEAR((h != 0).to(torch::kFloat32).mean().item<double>(), 0.5, 0.06);
}
