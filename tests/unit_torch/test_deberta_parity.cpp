// DeBERTa-v2 encoder parity with transformers 4.40 on the gliner2_tiny golden fixtures, plus
// tensor_io / state-dict loading checks.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <string>

#include "model/deberta.h"
#include "model/deberta_config.h"
#include "model/state_dict.h"
#include "model/tensor_io.h"
#include "support/config_error.h"
#include "support/error_of.h"

using namespace gtrain;

namespace {

const std::string kDir = std::string(GTRAIN_SOURCE_DIR) + "/../shared/fixtures/gliner2_tiny";

bool have_fixtures() { return ::access((kDir + "/tensors.safetensors").c_str(), R_OK) == 0; }

struct Fixture {
  DebertaV2Config cfg;
  std::map<std::string, torch::Tensor> weights, golden;
};

const Fixture& fixture() {
  static Fixture f = [] {
    torch::set_num_threads(1);
    Fixture x;
    x.cfg = DebertaV2Config::from_file(kDir + "/encoder_config/config.json");
    x.weights = load_safetensors(kDir + "/model.safetensors");
    x.golden = load_safetensors(kDir + "/tensors.safetensors");
    return x;
  }();
  return f;
}

DebertaV2Model make_model() {
  const Fixture& f = fixture();
  DebertaV2Model m(f.cfg);
  load_state(*m, f.weights, "encoder.", /*strict=*/true);
  m->eval();
  return m;
}

// Max |got - ref| over valid positions; counts elements beyond atol + rtol*|ref|.
struct Cmp {
  double max_abs = 0;
  int64_t bad = 0;
};

Cmp compare(const torch::Tensor& got, const torch::Tensor& ref, const torch::Tensor& mask, double atol = 1e-5,
            double rtol = 1e-5) {
  EXPECT_EQ(got.sizes(), ref.sizes());
  torch::Tensor valid = mask.to(torch::kBool).unsqueeze(-1).expand_as(ref);
  torch::Tensor diff = (got.to(torch::kFloat64) - ref.to(torch::kFloat64)).abs().masked_select(valid);
  torch::Tensor tol = (ref.to(torch::kFloat64).abs() * rtol + atol).masked_select(valid);
  Cmp c;
  c.max_abs = diff.numel() ? diff.max().item<double>() : 0.0;
  c.bad = (diff > tol).sum().item<int64_t>();
  return c;
}

}  // namespace

TEST(DebertaConfig, ParsesFixtureConfig) {
  if (!have_fixtures()) GTEST_SKIP() << "fixtures absent: " << kDir;
  const DebertaV2Config& c = fixture().cfg;
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.num_hidden_layers, 2);
  EXPECT_EQ(c.num_attention_heads, 4);
  EXPECT_EQ(c.intermediate_size, 128);
  EXPECT_EQ(c.vocab_size, 523);
  EXPECT_EQ(c.max_relative_positions, 512);  // -1 resolved
  EXPECT_EQ(c.position_buckets, 32);
  EXPECT_EQ(c.pos_att_type, (std::vector<std::string>{"p2c", "c2p"}));
  EXPECT_TRUE(c.share_att_key);
  EXPECT_TRUE(c.norm_rel_layer_norm());
  EXPECT_FALSE(c.position_biased_input);
  EXPECT_EQ(c.embedding_size, 64);
  EXPECT_DOUBLE_EQ(c.layer_norm_eps, 1e-7);
  EXPECT_EQ(c.to_json(), c.raw);
}

TEST(DebertaConfig, StringPosAttTypeAndErrors) {
  nlohmann::json j = {{"model_type", "deberta-v2"}, {"hidden_size", 8}, {"num_attention_heads", 2},
                      {"num_hidden_layers", 1}, {"intermediate_size", 16}, {"vocab_size", 10},
                      {"pos_att_type", "P2C| c2p"}, {"relative_attention", true}};
  DebertaV2Config c = DebertaV2Config::from_json(j, "x.json");
  EXPECT_EQ(c.pos_att_type, (std::vector<std::string>{"p2c", "c2p"}));
  EXPECT_EQ(c.pos_ebd_size(), 512);
  EXPECT_FALSE(c.share_att_key);
  EXPECT_TRUE(c.position_biased_input);  // HF default

  const std::string e = test::config_key_error<DebertaV2Config>(j, "conv_kernel_size", 3);
  EXPECT_NE(e.find("bad/config.json"), std::string::npos) << e;
  EXPECT_NE(e.find("conv_kernel_size"), std::string::npos) << e;
  // One bad key each: the error names it.
  test::expect_each_key_refused<DebertaV2Config>(j, {{"hidden_act", "relu"}, {"pos_att_type", "p2p"}, {"hidden_size", "64"}, {"num_attention_heads", 3}});
}

TEST(DebertaParity, RelativeBucketsExact) {
  if (!have_fixtures()) GTEST_SKIP() << "fixtures absent: " << kDir;
  const torch::Tensor ref = fixture().golden.at("deberta.rel_bucket");  // d = -299..299
  ASSERT_EQ(ref.numel(), 599);
  torch::Tensor d = torch::arange(-299, 300, torch::kInt64);
  torch::Tensor got = make_log_bucket_position(d, 32, 512);
  EXPECT_TRUE(torch::equal(got, ref));
  // relative_buckets(i, j) = bucket(i - j): column 0 holds d = 0..299, row 0 holds d = 0..-299.
  torch::Tensor rb = relative_buckets(300, 300, 32, 512);
  ASSERT_EQ(rb.sizes(), (std::vector<int64_t>{300, 300}));
  EXPECT_TRUE(torch::equal(rb.select(1, 0), ref.slice(0, 299, 599)));
  EXPECT_TRUE(torch::equal(rb.select(0, 0), ref.slice(0, 0, 300).flip({0})));
  EXPECT_EQ(ref.max().item<int64_t>(), 29);
  // No bucketing: plain distances.
  torch::Tensor plain = relative_buckets(3, 4, -1, 512);
  EXPECT_EQ(plain[2][0].item<int64_t>(), 2);
  EXPECT_EQ(plain[0][3].item<int64_t>(), -3);
}

TEST(DebertaParity, ParameterNamesMatchCheckpoint) {
  if (!have_fixtures()) GTEST_SKIP() << "fixtures absent: " << kDir;
  DebertaV2Model m(fixture().cfg);
  std::vector<std::string> ours, theirs;
  for (const auto& kv : m->named_parameters()) ours.push_back("encoder." + kv.key());
  for (const auto& kv : fixture().weights)
    if (kv.first.rfind("encoder.", 0) == 0) theirs.push_back(kv.first);
  std::sort(ours.begin(), ours.end());
  EXPECT_EQ(ours, theirs);
  EXPECT_EQ(ours.size(), 3u + 16u * 2u + 3u);
  EXPECT_EQ(m->named_buffers().size(), 0u);
}

namespace {

// Runs the model on the fixture batch `batch` ("deberta" or "gliner"): three hidden states, the
// last one the output, each within tolerance of the golden tensor of the same place in `golden`
// (one thread). The hidden states and the mask go to `hs` and `mask` when given.
void expect_hidden_states_match(const std::string& batch, const std::vector<std::string>& golden,
                                std::vector<torch::Tensor>* hs = nullptr, torch::Tensor* mask = nullptr) {
  std::vector<torch::Tensor> hs_here;
  torch::Tensor mask_here;
  if (!hs) hs = &hs_here;
  if (!mask) mask = &mask_here;
  torch::set_num_threads(1);
  const auto& g = fixture().golden;
  DebertaV2Model m = make_model();
  torch::NoGradGuard ng;
  torch::Tensor ids = g.at(batch + ".input_ids");
  *mask = g.at(batch + ".attention_mask");
  torch::Tensor last = m->forward(ids, *mask, hs);
  ASSERT_EQ(hs->size(), 3u);
  EXPECT_TRUE(torch::equal(last, (*hs)[2]));
  for (int i = 0; i < 3; ++i) {
    Cmp c = compare((*hs)[i], g.at(golden[i]), *mask);
    std::printf("[parity] %-28s max_abs_err=%.3e  out_of_tol=%lld\n", golden[i].c_str(), c.max_abs,
                static_cast<long long>(c.bad));
    EXPECT_EQ(c.bad, 0) << golden[i] << " max abs err " << c.max_abs;
  }
}

}  // namespace

TEST(DebertaParity, PlainEncoderFixture) {
  if (!have_fixtures()) GTEST_SKIP() << "fixtures absent: " << kDir;
  std::vector<torch::Tensor> hs;
  torch::Tensor mask;
  expect_hidden_states_match("deberta", {"deberta.hidden_states.0", "deberta.hidden_states.1", "deberta.hidden_states.2"},
                             &hs, &mask);
  ASSERT_FALSE(::testing::Test::HasFatalFailure());
  // Padded positions of the embedding output are exactly zero.
  torch::Tensor pad = (mask == 0).unsqueeze(-1).expand_as(hs[0]);
  EXPECT_EQ(hs[0].masked_select(pad).abs().max().item<float>(), 0.0f);
}

TEST(DebertaParity, GlinerBatchFixture) {
  if (!have_fixtures()) GTEST_SKIP() << "fixtures absent: " << kDir;
  expect_hidden_states_match("gliner", {"gliner.hidden_states.0", "gliner.hidden_states.1", "gliner.last_hidden_state"});
}

TEST(DebertaParity, TrainModeBackwardRuns) {
  if (!have_fixtures()) GTEST_SKIP() << "fixtures absent: " << kDir;
  const auto& g = fixture().golden;
  DebertaV2Model m = make_model();
  m->train();
  torch::Tensor ids = g.at("gliner.input_ids").slice(0, 0, 2), mask = g.at("gliner.attention_mask").slice(0, 0, 2);
  torch::Tensor out = m->forward(ids, mask);
  out.pow(2).sum().backward();
  auto params = m->named_parameters();
  EXPECT_TRUE(params["encoder.rel_embeddings.weight"].grad().defined());
  EXPECT_GT(params["encoder.layer.0.attention.self.query_proj.weight"].grad().abs().sum().item<double>(), 0);
  // padding_idx 0: the pad row of the word embeddings gets no gradient.
  EXPECT_EQ(params["embeddings.word_embeddings.weight"].grad()[0].abs().sum().item<double>(), 0.0);
}

TEST(StateDict, WrongShapeAndStrictErrors) {
  if (!have_fixtures()) GTEST_SKIP() << "fixtures absent: " << kDir;
  DebertaV2Model m(fixture().cfg);
  auto w = fixture().weights;
  const std::string key = "encoder.encoder.layer.1.intermediate.dense.weight";
  w[key] = torch::zeros({64, 128});
  try {
    load_state(*m, w, "encoder.", true);
    FAIL() << "expected a shape error";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(key), std::string::npos) << msg;
    EXPECT_NE(msg.find("[64, 128]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[128, 64]"), std::string::npos) << msg;
  }
  // Missing + unexpected keys in strict mode.
  w = fixture().weights;
  w.erase("encoder.encoder.rel_embeddings.weight");
  w["encoder.pooler.dense.weight"] = torch::zeros({2});
  try {
    load_state(*m, w, "encoder.", true);
    FAIL() << "expected a strict-mode error";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("missing keys (1): encoder.encoder.rel_embeddings.weight"), std::string::npos) << msg;
    EXPECT_NE(msg.find("unexpected keys (1): encoder.pooler.dense.weight"), std::string::npos) << msg;
  }
  // Non-strict: reported, the rest loaded.
  LoadStateReport r = load_state(*m, w, "encoder.", false);
  EXPECT_EQ(r.missing.size(), 1u);
  EXPECT_EQ(r.unexpected.size(), 1u);
  EXPECT_EQ(r.loaded.size(), 37u);
  EXPECT_TRUE(torch::equal(m->named_parameters()["embeddings.word_embeddings.weight"],
                           fixture().weights.at("encoder.embeddings.word_embeddings.weight")));
}

TEST(TensorIO, SaveLoadRoundTripPreservesDtypes) {
  char tmpl[] = "/tmp/gtrain_tio_XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  const std::string p = std::string(tmpl) + "/t.safetensors";
  torch::manual_seed(3);
  std::vector<std::pair<std::string, torch::Tensor>> ts = {
      {"f32", torch::randn({3, 4})},
      {"f16", torch::randn({5}).to(torch::kFloat16)},
      {"bf16", torch::randn({2, 2}).to(torch::kBFloat16)},
      {"i64", torch::arange(-3, 3, torch::kInt64)},
      {"i32", torch::arange(4, torch::kInt32)},
      {"u8", torch::arange(7, torch::kUInt8)},
      {"bool", torch::tensor({true, false, true})},
      {"noncontig", torch::randn({4, 3}).t()},
  };
  save_safetensors(p, ts, {{"k", "v"}});
  std::map<std::string, std::string> meta;
  auto back = load_safetensors(p, &meta);
  EXPECT_EQ(meta.at("k"), "v");
  ASSERT_EQ(back.size(), ts.size());
  for (const auto& kv : ts) {
    const torch::Tensor& b = back.at(kv.first);
    EXPECT_EQ(b.scalar_type(), kv.second.scalar_type()) << kv.first;
    EXPECT_TRUE(torch::equal(b, kv.second)) << kv.first;
  }
  std::remove(p.c_str());
  ::rmdir(tmpl);
}

// The encoder hands its layers only the relative-embedding rows a length-T sequence can index
// (rows span + bucket(i - j)). With DeBERTa-v3's 256 buckets and T = 40 that is 79 of 512 rows.
// Outputs and every gradient must equal the whole-table computation (rel_first 0, all rows).
TEST(DebertaEncoder, UsedRelativeRowsOnlyMatchesWholeTable) {
  torch::manual_seed(3);
  DebertaV2Config c;
  c.relative_attention = true;
  c.pos_att_type = {"p2c", "c2p"};
  c.share_att_key = true;
  c.norm_rel_ebd = "layer_norm";
  c.position_biased_input = false;
  c.max_relative_positions = -1;
  c.position_buckets = 256;
  c.hidden_size = 32, c.num_hidden_layers = 2, c.num_attention_heads = 2, c.intermediate_size = 64;
  c.embedding_size = 32;
  c.vocab_size = 50;
  c.hidden_dropout_prob = 0, c.attention_probs_dropout_prob = 0;
  c = DebertaV2Config::from_json(c.to_json(), "test");
  for (int64_t T : {40, 300}) {  // 300: bucketed positions beyond 128
    DebertaV2Encoder enc(c);
    torch::Tensor hidden = torch::randn({2, T, 32});
    torch::Tensor mask = torch::ones({2, T}, torch::kInt64);
    mask[1].slice(0, T - 7).fill_(0);
    torch::Tensor out = enc->forward(hidden, mask);
    torch::Tensor w = torch::randn_like(out);
    (out * w).sum().backward();
    std::map<std::string, torch::Tensor> g1;
    for (auto& p : enc->named_parameters()) g1[p.key()] = p.value().grad().clone();
    enc->zero_grad();

    // The whole table, as Hugging Face computes it.
    torch::Tensor ext = mask.unsqueeze(1).unsqueeze(2);
    torch::Tensor mask4 = (ext * ext.squeeze(-2).unsqueeze(-1)).to(torch::kUInt8);
    torch::Tensor rel_pos = relative_buckets(T, T, c.position_buckets, c.max_relative_positions).unsqueeze(0);
    torch::Tensor rel = enc->get_rel_embedding();
    EXPECT_EQ(rel.size(0), 512);
    torch::Tensor h = hidden;
    for (size_t i = 0; i < enc->layer->size(); ++i) h = enc->layer->ptr<DebertaV2LayerImpl>(i)->forward(h, {mask4, rel_pos, rel, 0});
    (h * w).sum().backward();
    EXPECT_TRUE(torch::allclose(out, h, 1e-5, 1e-5)) << "T " << T << " max diff " << (out - h).abs().max().item<double>();
    for (auto& p : enc->named_parameters()) {
      const torch::Tensor& a = g1.at(p.key());
      const torch::Tensor b = p.value().grad();
      EXPECT_TRUE(torch::allclose(a, b, 1e-4, 1e-5)) << "T " << T << " gradient of " << p.key() << " max diff "
                                                     << (a - b).abs().max().item<double>();
    }
  }
}
