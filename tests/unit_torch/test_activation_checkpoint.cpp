// Gradient checkpointing of the encoder layers (DeBERTa and the BERT family): the same loss and
// the same gradients as the plain forward, with dropout on (the recomputation replays the dropout
// masks), through several steps; off in eval mode and under NoGradGuard.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "model/activation_checkpoint.h"
#include "model/bert.h"
#include "model/deberta.h"
#include "tiny_deberta_config.h"

using namespace gtrain;

namespace {

DebertaV2Config config_with_dropout() {
  nlohmann::json j = test::tiny_deberta_json();
  j["num_hidden_layers"] = 3;
  j["vocab_size"] = 50;
  j["hidden_dropout_prob"] = 0.2;
  j["attention_probs_dropout_prob"] = 0.2;
  return DebertaV2Config::from_json(j, "<dropout>");
}

std::shared_ptr<EncoderImpl> make_deberta() { return std::make_shared<DebertaV2ModelImpl>(config_with_dropout()); }

std::shared_ptr<EncoderImpl> make_bert() {
  BertConfig c = BertConfig::sized("bert", 32, 3, 4, 64, 50, 0);
  c.hidden_dropout_prob = 0.2;
  c.attention_probs_dropout_prob = 0.2;
  return std::make_shared<BertModelImpl>(c);
}

// Loss and gradients (by parameter name) of `steps` forward/backward passes from seed.
std::pair<std::vector<double>, std::map<std::string, torch::Tensor>> run(
    const std::function<std::shared_ptr<EncoderImpl>()>& make, bool checkpointing, int steps) {
  torch::manual_seed(11);
  std::shared_ptr<EncoderImpl> m = make();
  m->init_weights();
  m->train();
  m->set_gradient_checkpointing(checkpointing);
  torch::manual_seed(5);  // the dropout draws
  torch::Tensor ids = torch::randint(1, 50, {3, 17});
  torch::Tensor mask = torch::ones({3, 17}, torch::kLong);
  mask[2].narrow(0, 12, 5).zero_();
  std::vector<double> losses;
  for (int s = 0; s < steps; ++s) {
    torch::Tensor loss = m->forward(ids, mask).pow(2).mean();
    loss.backward();
    losses.push_back(loss.item<double>());
  }
  std::map<std::string, torch::Tensor> grads;
  for (const auto& p : m->named_parameters())
    if (p.value().grad().defined()) grads[p.key()] = p.value().grad().clone();
  return {losses, grads};
}

void expect_same_loss_and_gradients(const std::function<std::shared_ptr<EncoderImpl>()>& make) {
  auto plain = run(make, false, 3);
  auto ckpt = run(make, true, 3);
  ASSERT_EQ(plain.first.size(), ckpt.first.size());
  for (size_t i = 0; i < plain.first.size(); ++i) EXPECT_DOUBLE_EQ(plain.first[i], ckpt.first[i]) << "step " << i;
  ASSERT_EQ(plain.second.size(), ckpt.second.size());
  ASSERT_GT(plain.second.size(), 20u);
  for (const auto& [name, g] : plain.second) {
    ASSERT_TRUE(ckpt.second.count(name)) << name;
    EXPECT_TRUE(torch::allclose(g, ckpt.second.at(name), 1e-5, 1e-7)) << name << " max diff "
        << (g - ckpt.second.at(name)).abs().max().item<double>();
  }
}

}  // namespace

TEST(ActivationCheckpoint, SameLossAndGradientsWithDropoutDeberta) { expect_same_loss_and_gradients(make_deberta); }

TEST(ActivationCheckpoint, SameLossAndGradientsWithDropoutBert) { expect_same_loss_and_gradients(make_bert); }

TEST(ActivationCheckpoint, KeepsFewerActivationsAndIsPlainWithoutGrad) {
  // A block that records how often it runs: once per forward without grad, twice with backward.
  int calls = 0;
  torch::Tensor w = torch::randn({4, 4}).set_requires_grad(true);
  CheckpointBlock block = [&](const std::vector<torch::Tensor>& in) {
    ++calls;
    return torch::tanh(torch::matmul(in[0], w)) * in[1];
  };
  torch::Tensor x = torch::randn({2, 4}).set_requires_grad(true);
  torch::Tensor y = torch::randn({2, 4}).set_requires_grad(true);
  torch::Tensor out = checkpointed(block, {x, y});
  EXPECT_EQ(calls, 1);
  out.sum().backward();
  EXPECT_EQ(calls, 2);  // recomputed in backward
  torch::Tensor gx = x.grad().clone(), gy = y.grad().clone(), gw = w.grad().clone();
  x.mutable_grad() = torch::Tensor();
  y.mutable_grad() = torch::Tensor();
  w.mutable_grad() = torch::Tensor();
  block({x, y}).sum().backward();
  EXPECT_TRUE(torch::allclose(gx, x.grad()));
  EXPECT_TRUE(torch::allclose(gy, y.grad()));
  EXPECT_TRUE(torch::allclose(gw, w.grad()));
  {
    torch::NoGradGuard ng;
    calls = 0;
    checkpointed(block, {x, y});
    EXPECT_EQ(calls, 1);
  }
}

TEST(ActivationCheckpoint, TrainsWeightsInsideWhenTheInputsAreFrozen) {
  // LoRA: the hidden states entering a layer need no gradient, the adapters inside do.
  torch::Tensor w = torch::randn({4, 4}).set_requires_grad(true);
  CheckpointBlock block = [&](const std::vector<torch::Tensor>& in) { return torch::tanh(torch::matmul(in[0], w)); };
  torch::Tensor x = torch::randn({3, 4});
  checkpointed(block, {x}).pow(2).sum().backward();
  ASSERT_TRUE(w.grad().defined()) << "no gradient reached the weight inside the checkpointed block";
  torch::Tensor got = w.grad().clone();
  w.mutable_grad() = torch::Tensor();
  block({x}).pow(2).sum().backward();
  EXPECT_TRUE(torch::allclose(got, w.grad()));
}
