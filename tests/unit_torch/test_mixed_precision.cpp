// The fp16 loss scaler's decisions (device-independent: on CPU tensors) and the precision checks.
#include <gtest/gtest.h>

#include "train/mixed_precision.h"

using namespace gtrain;

namespace {
std::vector<torch::Tensor> grads_of(std::vector<float> values) {
  torch::Tensor p = torch::zeros({static_cast<int64_t>(values.size())}).set_requires_grad(true);
  p.mutable_grad() = torch::tensor(values);
  torch::Tensor unused = torch::zeros({2}).set_requires_grad(true);  // no grad: skipped
  return {p, unused};
}
}  // namespace

TEST(LossScaler, UnscalesSkipsOnOverflowAndGrows) {
  LossScaler s(true, 1024.0, /*growth_interval=*/3);
  auto ps = grads_of({2048.f, -512.f});
  EXPECT_TRUE(s.unscale_and_check(ps));
  EXPECT_FLOAT_EQ(ps[0].grad()[0].item<float>(), 2.0f);
  EXPECT_FLOAT_EQ(ps[0].grad()[1].item<float>(), -0.5f);
  s.update(true);
  EXPECT_EQ(s.scale(), 1024.0);

  auto bad = grads_of({1.f, std::numeric_limits<float>::infinity()});
  EXPECT_FALSE(s.unscale_and_check(bad));
  s.update(false);
  EXPECT_EQ(s.scale(), 512.0);
  EXPECT_EQ(s.skipped_steps(), 1);
  auto nan = grads_of({std::nanf("")});
  EXPECT_FALSE(s.unscale_and_check(nan));
  s.update(false);
  EXPECT_EQ(s.scale(), 256.0);

  for (int i = 0; i < 3; ++i) s.update(true);  // growth_interval good steps double it
  EXPECT_EQ(s.scale(), 512.0);
  for (int i = 0; i < 2; ++i) s.update(true);
  EXPECT_EQ(s.scale(), 512.0);  // not yet
}

TEST(LossScaler, DisabledIsTheIdentity) {
  LossScaler s(false, 1024.0);
  auto ps = grads_of({3.f, std::numeric_limits<float>::infinity()});
  EXPECT_EQ(s.scale(), 1.0);
  EXPECT_TRUE(s.unscale_and_check(ps));  // fp32/bf16: no skipping, the trainer's NaN check applies
  EXPECT_FLOAT_EQ(ps[0].grad()[0].item<float>(), 3.0f);
}

TEST(Precision, Fp16NeedsCudaBf16RunsOnCpu) {
  EXPECT_NO_THROW(check_precision(Precision::FP32, torch::kCPU));
  EXPECT_NO_THROW(check_precision(Precision::BF16, torch::kCPU));
  try {
    check_precision(Precision::FP16, torch::kCPU);
    FAIL() << "accepted fp16 on the CPU";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("needs a CUDA device"), std::string::npos) << e.what();
  }
  const auto mm = [] { return torch::matmul(torch::ones({2, 2}), torch::ones({2, 2})).scalar_type(); };
  {
    AutocastScope none(Precision::FP16, torch::kCPU);  // fp16 is a no-op off CUDA
    EXPECT_EQ(mm(), torch::kFloat);
  }
  {
    AutocastScope bf16(Precision::BF16, torch::kCPU);  // CPU autocast: matrix products in bf16
    EXPECT_EQ(mm(), torch::kBFloat16);
  }
  EXPECT_EQ(mm(), torch::kFloat);  // and off again after the scope
}

TEST(LossScaler, ResumedCounterGrowsOnTime) {
  // A checkpoint keeps the clean steps since the last change: resumed with 2 of 3, the next clean
  // step doubles the scale, as it would have without the interruption.
  LossScaler s(true, 1024.0, /*growth_interval=*/3, /*good_steps=*/2, /*skipped_steps=*/5);
  EXPECT_EQ(s.good_steps(), 2);
  EXPECT_EQ(s.skipped_steps(), 5);
  s.update(true);
  EXPECT_EQ(s.scale(), 2048.0);
  EXPECT_EQ(s.good_steps(), 0);
}
