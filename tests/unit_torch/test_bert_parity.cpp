// BERT-family encoder parity with transformers 4.40 (shared/fixtures/hf_encoders): for bert,
// roberta, electra and xlm-roberta checkpoints as published (ForMaskedLM / ForPreTraining prefixes
// and heads, or a bare model), every hidden state and every parameter gradient of the fixture's
// loss = sum(last_hidden_state * W * mask), at the README's tolerances (hidden abs <= 1e-5,
// gradients abs <= 1e-4 + 1e-4 |ref|).
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "model/bert.h"
#include "model/encoder.h"
#include "model/encoder_config.h"
#include "model/hf_checkpoint.h"
#include "model/hf_encoder_weights.h"
#include "model/swap_encoder.h"
#include "model/lora.h"
#include "model/state_dict.h"
#include "model/tensor_io.h"
#include "support/fixtures.h"

using namespace gtrain;

namespace {

const std::string kRoot = test::fixture_dir("hf_encoders");

struct Loaded {
  EncoderConfig cfg;
  std::shared_ptr<EncoderImpl> model;
  HfEncoderWeights weights;
  bool pooler_added = false;
  std::map<std::string, torch::Tensor> golden;
  nlohmann::json expected;
};

Loaded load(const std::string& family) {
  const std::string dir = kRoot + "/" + family;
  Loaded l;
  l.cfg = EncoderConfig::from_file(dir + "/config.json");
  l.model = make_encoder(l.cfg);
  l.weights = read_hf_encoder_weights(dir + "/model.safetensors");
  l.pooler_added = add_missing_pooler(l.weights.tensors, "", l.cfg, 0);  // MaskedLM files have none
  load_state(*l.model, l.weights.tensors, "", /*strict=*/true);
  l.model->eval();
  l.golden = load_safetensors(dir + "/expected.safetensors");
  std::ifstream f(dir + "/expected.json");
  l.expected = nlohmann::json::parse(f);
  return l;
}

class BertFamilyParity : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (::access((kRoot + "/" + GetParam() + "/expected.safetensors").c_str(), R_OK) != 0)
      GTEST_SKIP() << "fixtures absent: " << kRoot;
    torch::set_num_threads(1);
  }
};

TEST_P(BertFamilyParity, HiddenStatesAndGradientsMatchTransformers) {
  Loaded l = load(GetParam());
  EXPECT_EQ(l.cfg.model_type(), l.expected.at("model_type").get<std::string>());
  const torch::Tensor ids = l.golden.at("input_ids").to(torch::kInt64);
  const torch::Tensor mask = l.golden.at("attention_mask").to(torch::kInt64);
  torch::Tensor tt;
  if (l.golden.count("token_type_ids")) tt = l.golden.at("token_type_ids").to(torch::kInt64);
  // bert / electra: the fixture's second row has segment 1 in its second half, so the token type
  // embeddings are exercised.
  if (GetParam() == "bert" || GetParam() == "electra") {
    ASSERT_TRUE(tt.defined() && tt.max().item<int64_t>() == 1);
  }

  std::vector<torch::Tensor> hs;
  torch::Tensor last = l.model->forward(ids, mask, &hs, tt);
  ASSERT_EQ(hs.size(), 3u);
  for (size_t i = 0; i < hs.size(); ++i) {
    const torch::Tensor ref = l.golden.at("hidden_states." + std::to_string(i));
    ASSERT_EQ(hs[i].sizes(), ref.sizes()) << i;
    const double d = (hs[i].to(torch::kFloat64) - ref.to(torch::kFloat64)).abs().max().item<double>();
    EXPECT_LE(d, 1e-5) << GetParam() << " hidden_states." << i;
  }
  torch::Tensor loss = (last * l.golden.at("loss_weights") * mask.unsqueeze(-1).to(torch::kFloat32)).sum();
  EXPECT_NEAR(loss.item<double>(), l.expected.at("loss").get<double>(),
              1e-5 * std::max(1.0, std::abs(l.expected.at("loss").get<double>())));
  loss.backward();

  std::set<std::string> want;
  for (const auto& n : l.expected.at("grad_tensors")) want.insert(n.get<std::string>());
  std::set<std::string> got;
  for (const auto& kv : l.model->named_parameters()) {
    if (kv.key().rfind("pooler.", 0) == 0) {  // AutoModel's pooler: present, never run, no gradient
      EXPECT_FALSE(kv.value().grad().defined()) << kv.key();
      continue;
    }
    got.insert(kv.key());
    auto it = l.golden.find("grad." + kv.key());
    ASSERT_NE(it, l.golden.end()) << "no reference gradient for " << kv.key();
    ASSERT_TRUE(kv.value().grad().defined()) << kv.key();
    const torch::Tensor g = kv.value().grad().to(torch::kFloat64), ref = it->second.to(torch::kFloat64);
    const torch::Tensor excess = (g - ref).abs() - (1e-4 + 1e-4 * ref.abs());
    EXPECT_LE(excess.max().item<double>(), 0.0)
        << GetParam() << " grad " << kv.key() << " max |diff| " << (g - ref).abs().max().item<double>();
  }
  EXPECT_EQ(got, want);  // exactly the base model's parameters, nothing extra
  // The pooler exists where AutoModel builds one; only the bare XLMRobertaModel file carries it.
  EXPECT_EQ(l.model->named_parameters().contains("pooler.dense.weight"), GetParam() != "electra");
  EXPECT_EQ(l.pooler_added, GetParam() == "bert" || GetParam() == "roberta");
}

// The pretraining heads and pooler of a published checkpoint are dropped, the encoder kept.
TEST_P(BertFamilyParity, CheckpointPrefixAndDroppedHeads) {
  Loaded l = load(GetParam());
  const std::map<std::string, std::string> prefix = {
      {"bert", "bert."}, {"roberta", "roberta."}, {"electra", "electra."}, {"xlm-roberta", ""}};
  EXPECT_EQ(l.weights.prefix, prefix.at(GetParam()));
  const std::map<std::string, std::string> head = {
      {"bert", "cls."}, {"roberta", "lm_head."}, {"electra", "discriminator_predictions."}, {"xlm-roberta", ""}};
  bool saw_head = false;
  for (const auto& n : l.weights.dropped) saw_head = saw_head || n.rfind(head.at(GetParam()), 0) == 0;
  EXPECT_EQ(saw_head, GetParam() != "xlm-roberta") << "dropped: " << l.weights.dropped.size() << " tensors";
  if (GetParam() == "xlm-roberta") {  // a bare model: nothing dropped, its pooler kept
    EXPECT_TRUE(l.weights.dropped.empty());
    EXPECT_TRUE(l.weights.tensors.count("pooler.dense.weight"));
  }
}

INSTANTIATE_TEST_SUITE_P(Families, BertFamilyParity, test::hf_encoder_families(), test::family_test_name);

// Mis-shaped or missing encoder tensors are errors naming the tensor.
TEST(BertEncoder, MissingOrMisshapedTensorIsNamed) {
  if (::access((kRoot + "/bert/model.safetensors").c_str(), R_OK) != 0) GTEST_SKIP() << "fixtures absent";
  const EncoderConfig cfg = EncoderConfig::from_file(kRoot + "/bert/config.json");
  HfEncoderWeights w = read_hf_encoder_weights(kRoot + "/bert/model.safetensors");
  auto m = make_encoder(cfg);
  auto bad = w.tensors;
  bad.erase("encoder.layer.1.output.LayerNorm.bias");
  try {
    load_state(*m, bad, "", true);
    ADD_FAILURE() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("encoder.layer.1.output.LayerNorm.bias"), std::string::npos) << e.what();
  }
  bad = w.tensors;
  bad["encoder.layer.0.attention.self.query.weight"] = torch::zeros({32, 31});
  try {
    load_state(*m, bad, "", true);
    ADD_FAILURE() << "expected an error";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("encoder.layer.0.attention.self.query.weight"), std::string::npos) << e.what();
  }
}

// GLiNER2's state dict of a BERT-family encoder has AutoModel's pooler (from_pretrained loads it
// strictly): swap-encoder adds one to a MaskedLM encoder, export keeps it, and a checkpoint
// without one still loads (pooler added) and computes the same.
TEST(BertEncoder, Gliner2CheckpointsCarryThePooler) {
  const std::string tiny = std::string(GTRAIN_SOURCE_DIR) + "/../shared/fixtures/gliner2_tiny";
  if (::access((kRoot + "/bert/model.safetensors").c_str(), R_OK) != 0 ||
      ::access((tiny + "/model.safetensors").c_str(), R_OK) != 0)
    GTEST_SKIP() << "fixtures absent";
  const std::string dir = (std::filesystem::temp_directory_path() / ("gtrain-pooler-" + std::to_string(::getpid()))).string();
  std::filesystem::remove_all(dir);
  const SwapEncoderReport r = swap_encoder(tiny, kRoot + "/bert", dir + "/swapped", 0, /*reinit_heads=*/true);
  EXPECT_TRUE(r.pooler_initialised);
  auto w = load_safetensors(dir + "/swapped/model.safetensors");
  ASSERT_TRUE(w.count("encoder.pooler.dense.weight"));
  EXPECT_EQ(w.at("encoder.pooler.dense.weight").sizes(), (std::vector<int64_t>{32, 32}));
  // Without the pooler: loads, adds it, same encoder output.
  std::filesystem::copy(dir + "/swapped", dir + "/nopooler", std::filesystem::copy_options::recursive);
  w.erase("encoder.pooler.dense.weight");
  w.erase("encoder.pooler.dense.bias");
  std::vector<std::pair<std::string, torch::Tensor>> v(w.begin(), w.end());
  save_safetensors(dir + "/nopooler/model.safetensors", v);
  Gliner2Checkpoint a = load_gliner2_checkpoint(dir + "/swapped");
  Gliner2Checkpoint b = load_gliner2_checkpoint(dir + "/nopooler");
  EXPECT_EQ(a.encoder_config.model_type(), "bert");
  EXPECT_TRUE(b.model->named_parameters().contains("encoder.pooler.dense.weight"));
  torch::Tensor ids = torch::randint(5, 800, {2, 20}, torch::kInt64);
  torch::Tensor mask = torch::ones({2, 20}, torch::kInt64);
  {
    torch::NoGradGuard ng;
    EXPECT_TRUE(torch::equal(a.model->encoder->forward(ids, mask), b.model->encoder->forward(ids, mask)));
  }
  export_gliner2_checkpoint(b, dir + "/exported");
  EXPECT_TRUE(load_safetensors(dir + "/exported/model.safetensors").count("encoder.pooler.dense.bias"));
  std::filesystem::remove_all(dir);
}

// RoBERTa positions: padding_idx + 1 onwards over real tokens, padding_idx at padding.
TEST(BertEncoder, OffsetPositionIds) {
  torch::Tensor ids = torch::tensor({{0, 5, 6, 2, 1, 1}}, torch::kInt64);
  torch::Tensor pos = offset_position_ids(ids, 1);
  EXPECT_TRUE(torch::equal(pos, torch::tensor({{2, 3, 4, 5, 1, 1}}, torch::kInt64))) << pos;
}

// LoRA's "encoder" target picks query, key, value and the three dense layers of each BERT layer
// (and not ELECTRA's embeddings_project).
TEST(BertEncoder, LoraTargetsQueryKeyValueDense) {
  BertConfig c = BertConfig::from_json({{"model_type", "electra"}, {"hidden_size", 32}, {"embedding_size", 16},
                                        {"num_hidden_layers", 2}, {"num_attention_heads", 4},
                                        {"intermediate_size", 64}, {"vocab_size", 50}});
  auto m = make_encoder(c);
  torch::nn::Sequential root;
  root->register_module("encoder", m);
  const auto names = lora_target_names(*root, {"encoder"});
  EXPECT_EQ(names.size(), 12u);
  for (const auto& n : names) EXPECT_EQ(n.find("embeddings_project"), std::string::npos) << n;
  EXPECT_NE(std::find(names.begin(), names.end(), "encoder.encoder.layer.1.attention.self.value"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "encoder.encoder.layer.0.intermediate.dense"), names.end());
}

TEST(BertEncoder, ConfigErrorsNameFileAndField) {
  auto expect_error = [](const nlohmann::json& j, const std::string& field) {
    try {
      BertConfig::from_json(j, "x/config.json");
      ADD_FAILURE() << "expected an error for " << field;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("x/config.json"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("'" + field + "'"), std::string::npos) << e.what();
    }
  };
  expect_error({{"model_type", "bert"}, {"hidden_act", "mish"}}, "hidden_act");
  expect_error({{"model_type", "bert"}, {"position_embedding_type", "relative_key"}}, "position_embedding_type");
  expect_error({{"model_type", "bert"}, {"hidden_size", 30}, {"num_attention_heads", 4}}, "num_attention_heads");
  expect_error({{"model_type", "gpt2"}}, "model_type");
  try {
    EncoderConfig::from_json({{"model_type", "t5"}}, "y/config.json");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("model_type"), std::string::npos) << e.what();
  }
}

}  // namespace
