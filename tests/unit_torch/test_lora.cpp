// LoRA on gtrain::Linear (src/model/lora.h): target matching, frozen base / trainable adapters,
// merge == unmerged forward, adapter save / load round trip, fresh adapters are an exact no-op.
// Self-contained: a tiny hand-made DeBERTa-v2 config (no ../shared fixtures) under a root that
// mimics GLiNER2's module layout (encoder, span_rep, classifier, count_pred, count_embed) plus a
// Linear that no default target selects.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "model/deberta.h"
#include "model/deberta_config.h"
#include "model/linear.h"
#include "model/lora.h"
#include "model/state_dict.h"
#include "model/tensor_io.h"
#include "tiny_deberta_config.h"

using namespace gtrain;

namespace {

DebertaV2Config tiny_config(bool share_att_key = true, int64_t embedding_size = 0) {
  nlohmann::json j = test::tiny_deberta_json();
  j["share_att_key"] = share_att_key;
  if (embedding_size > 0) j["embedding_size"] = embedding_size;
  return DebertaV2Config::from_json(j, "<tiny>");
}

torch::nn::Sequential mlp(int64_t in, int64_t hidden, int64_t out) {
  return torch::nn::Sequential(Linear(in, hidden), torch::nn::ReLU(), Linear(hidden, out));
}

struct SpanRepImpl : torch::nn::Module {
  explicit SpanRepImpl(int64_t h) {
    project_start = register_module("project_start", mlp(h, 2 * h, h));
    project_end = register_module("project_end", mlp(h, 2 * h, h));
    out_project = register_module("out_project", mlp(2 * h, 2 * h, h));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    return out_project->forward(torch::relu(torch::cat({project_start->forward(x), project_end->forward(x)}, -1)));
  }
  torch::nn::Sequential project_start{nullptr}, project_end{nullptr}, out_project{nullptr};
};
TORCH_MODULE(SpanRep);

struct CountEmbedImpl : torch::nn::Module {
  explicit CountEmbedImpl(int64_t h) {
    pos_embedding = register_module("pos_embedding", torch::nn::Embedding(5, h));
    projector = register_module("projector", mlp(h, 2 * h, h));
  }
  torch::Tensor forward() { return projector->forward(pos_embedding->weight); }  // [5, H]
  torch::nn::Embedding pos_embedding{nullptr};
  torch::nn::Sequential projector{nullptr};
};
TORCH_MODULE(CountEmbed);

// GLiNER2-shaped root: parameter names "encoder.encoder.layer.N...", "span_rep.project_start.0...".
struct TinyGlinerImpl : torch::nn::Module {
  explicit TinyGlinerImpl(const DebertaV2Config& c) {
    const int64_t h = c.hidden_size;
    encoder = register_module("encoder", DebertaV2Model(c));
    span_rep = register_module("span_rep", SpanRep(h));
    classifier = register_module("classifier", mlp(h, 2 * h, 1));
    count_pred = register_module("count_pred", mlp(h, 2 * h, 5));
    count_embed = register_module("count_embed", CountEmbed(h));
    extra_proj = register_module("extra_proj", Linear(h, h));  // selected by no default target
  }
  torch::Tensor forward(const torch::Tensor& ids, const torch::Tensor& mask) {
    torch::Tensor hs = encoder->forward(ids, mask);                  // [B, T, H]
    torch::Tensor s = span_rep->forward(hs);                          // [B, T, H]
    torch::Tensor cls = classifier->forward(s);                       // [B, T, 1]
    torch::Tensor cnt = count_pred->forward(hs.mean(1));              // [B, 5]
    torch::Tensor ce = torch::einsum("bth,kh->btk", {s, count_embed->forward()});  // [B, T, 5]
    torch::Tensor ex = extra_proj->forward(hs);                       // [B, T, H]
    return torch::cat({cls.flatten(), cnt.flatten(), ce.flatten(), ex.flatten()});
  }
  DebertaV2Model encoder{nullptr};
  SpanRep span_rep{nullptr};
  torch::nn::Sequential classifier{nullptr}, count_pred{nullptr};
  CountEmbed count_embed{nullptr};
  Linear extra_proj{nullptr};
};
TORCH_MODULE(TinyGliner);

TinyGliner make_root(uint64_t seed, const DebertaV2Config& c = tiny_config()) {
  torch::manual_seed(seed);
  TinyGliner m(c);
  m->eval();
  return m;
}

struct Batch {
  torch::Tensor ids, mask;
};

Batch make_batch() {
  torch::manual_seed(1234);
  Batch b;
  b.ids = torch::randint(1, 40, {2, 7}, torch::kInt64);
  b.mask = torch::ones({2, 7}, torch::kInt64);
  b.mask[1].slice(0, 5).zero_();
  b.ids[1].slice(0, 5).zero_();
  return b;
}

std::vector<std::string> encoder_names(const std::string& prefix, int64_t layers, bool pos_proj = false) {
  std::vector<std::string> v;
  for (int64_t i = 0; i < layers; ++i) {
    const std::string l = prefix + "encoder.layer." + std::to_string(i) + ".";
    v.push_back(l + "attention.self.query_proj");
    v.push_back(l + "attention.self.key_proj");
    v.push_back(l + "attention.self.value_proj");
    if (pos_proj) {
      v.push_back(l + "attention.self.pos_key_proj");
      v.push_back(l + "attention.self.pos_query_proj");
    }
    v.push_back(l + "attention.output.dense");
    v.push_back(l + "intermediate.dense");
    v.push_back(l + "output.dense");
  }
  return v;
}

const std::vector<std::string> kSpanRep = {"span_rep.project_start.0", "span_rep.project_start.2",
                                           "span_rep.project_end.0",   "span_rep.project_end.2",
                                           "span_rep.out_project.0",   "span_rep.out_project.2"};
const std::vector<std::string> kClassifier = {"classifier.0", "classifier.2"};
const std::vector<std::string> kCountPred = {"count_pred.0", "count_pred.2"};
const std::vector<std::string> kCountEmbed = {"count_embed.projector.0", "count_embed.projector.2"};

std::vector<std::string> all_default_targets() {
  std::vector<std::string> v = encoder_names("encoder.", 2);
  for (const auto* g : {&kSpanRep, &kClassifier, &kCountPred, &kCountEmbed}) v.insert(v.end(), g->begin(), g->end());
  return v;
}

std::vector<std::string> names_of(const std::vector<std::pair<std::string, torch::Tensor>>& sd) {
  std::vector<std::string> v;
  for (const auto& kv : sd) v.push_back(kv.first);
  return v;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// A few Adam steps on the adapters only, so that every B moves away from zero.
void train_adapters(TinyGliner& m, const Batch& b, int steps, double lr = 1e-2) {
  torch::optim::Adam opt(lora_parameters(*m), torch::optim::AdamOptions(lr));
  torch::manual_seed(99);
  m->train();
  torch::Tensor target;
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    torch::Tensor out = m->forward(b.ids, b.mask);
    if (!target.defined()) target = torch::randn_like(out.detach());
    (out - target).pow(2).mean().backward();
    opt.step();
  }
  m->eval();
}

std::string make_tmp_dir() {
  char tmpl[] = "/tmp/gtrain_lora_XXXXXX";
  if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

double max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Deliverable 1: DeBERTa on gtrain::Linear.

TEST(DebertaLinear, UsesGtrainLinearAndInitWeightsCoversIt) {
  DebertaV2Model m(tiny_config(/*share_att_key=*/false, /*embedding_size=*/16));
  int64_t n_linear = 0;
  for (const auto& kv : m->named_modules("", false)) {
    EXPECT_EQ(kv.value()->as<torch::nn::LinearImpl>(), nullptr) << kv.key() << " is still torch::nn::Linear";
    if (kv.value()->as<LinearImpl>()) ++n_linear;
  }
  // Per layer q/k/v + pos_key/pos_query + 3 dense; plus embeddings.embed_proj (no bias).
  EXPECT_EQ(n_linear, 2 * 8 + 1);
  auto p = m->named_parameters();
  EXPECT_TRUE(p.contains("embeddings.embed_proj.weight"));
  EXPECT_FALSE(p.contains("embeddings.embed_proj.bias"));
  EXPECT_TRUE(p.contains("encoder.layer.1.attention.self.pos_query_proj.bias"));
  torch::manual_seed(0);
  m->init_weights();
  for (const auto& kv : m->named_modules("", false)) {
    auto* lin = kv.value()->as<LinearImpl>();
    if (!lin) continue;
    const double sd = lin->weight.std().item<double>();
    EXPECT_NEAR(sd, 0.02, 0.006) << kv.key();
    if (lin->bias.defined()) {
      EXPECT_EQ(lin->bias.abs().max().item<double>(), 0.0) << kv.key();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// (b) target matching

TEST(Lora, TargetMatchingRule) {
  // "encoder": under encoder., local name contains query/key/value/dense.
  EXPECT_TRUE(lora_target_matches("encoder.encoder.layer.0.attention.self.query_proj", {"encoder"}));
  EXPECT_TRUE(lora_target_matches("encoder.encoder.layer.3.output.dense", {"encoder"}));
  EXPECT_FALSE(lora_target_matches("encoder.embeddings.embed_proj", {"encoder"}));
  EXPECT_FALSE(lora_target_matches("span_rep.project_start.0", {"encoder"}));
  EXPECT_FALSE(lora_target_matches("encoders.layer.0.query", {"encoder"}));
  EXPECT_FALSE(lora_target_matches("x.encoder.layer.0.query", {"encoder"}));
  // "encoder.<X>": <X> in the local name only.
  EXPECT_TRUE(lora_target_matches("encoder.encoder.layer.0.attention.self.key_proj", {"encoder.key"}));
  EXPECT_FALSE(lora_target_matches("encoder.encoder.layer.0.attention.self.query_proj", {"encoder.key"}));
  EXPECT_FALSE(lora_target_matches("encoder.encoder.layer.0.attention.output.dense", {"encoder.attention"}));
  // Head groups / other targets: dotted subtree (or the exact name).
  EXPECT_TRUE(lora_target_matches("span_rep.project_start.0", {"span_rep"}));
  EXPECT_FALSE(lora_target_matches("span_rep_x.0", {"span_rep"}));
  EXPECT_FALSE(lora_target_matches("x.span_rep.0", {"span_rep"}));
  EXPECT_TRUE(lora_target_matches("classifier", {"classifier"}));
  EXPECT_TRUE(lora_target_matches("count_embed.projector.2", {"count_embed.projector"}));
  EXPECT_FALSE(lora_target_matches("count_pred.0", {"Count_pred"}));
  EXPECT_TRUE(lora_target_matches("count_pred.0", {"encoder", "count_pred"}));
  EXPECT_FALSE(lora_target_matches("count_pred.0", {""}));
}

TEST(Lora, PatternsSelectExactlyTheExpectedModules) {
  TinyGliner root = make_root(1);
  EXPECT_EQ(lora_target_names(*root, {"encoder"}), encoder_names("encoder.", 2));
  EXPECT_EQ(lora_target_names(*root, {"span_rep"}), kSpanRep);
  EXPECT_EQ(lora_target_names(*root, {"classifier"}), kClassifier);
  EXPECT_EQ(lora_target_names(*root, {"count_pred"}), kCountPred);
  EXPECT_EQ(lora_target_names(*root, {"count_embed"}), kCountEmbed);
  EXPECT_EQ(lora_target_names(*root, LoraConfig{}.target_modules), all_default_targets());
  EXPECT_EQ(lora_target_names(*root, {"encoder.query"}),
            (std::vector<std::string>{"encoder.encoder.layer.0.attention.self.query_proj",
                                      "encoder.encoder.layer.1.attention.self.query_proj"}));
  EXPECT_EQ(lora_target_names(*root, {"encoder.dense"}),
            (std::vector<std::string>{"encoder.encoder.layer.0.attention.output.dense",
                                      "encoder.encoder.layer.0.intermediate.dense", "encoder.encoder.layer.0.output.dense",
                                      "encoder.encoder.layer.1.attention.output.dense",
                                      "encoder.encoder.layer.1.intermediate.dense",
                                      "encoder.encoder.layer.1.output.dense"}));
  EXPECT_EQ(lora_target_names(*root, {"extra_proj"}), std::vector<std::string>{"extra_proj"});
  EXPECT_TRUE(lora_target_names(*root, {"nothing"}).empty());

  // A bare DebertaV2Model root (names "encoder.layer.N..."): same 6 per layer.
  DebertaV2Model bare(tiny_config());
  EXPECT_EQ(lora_target_names(*bare, {"encoder"}), encoder_names("", 2));
  // share_att_key=false adds pos_key_proj / pos_query_proj (local names contain key / query);
  // embeddings.embed_proj stays out.
  TinyGliner v2 = make_root(1, tiny_config(/*share_att_key=*/false, /*embedding_size=*/16));
  EXPECT_EQ(lora_target_names(*v2, {"encoder"}), encoder_names("encoder.", 2, /*pos_proj=*/true));

  // apply_lora adapts exactly those, registers <name>.lora_A / .lora_B and nothing else.
  const auto before = names_of(state_dict(*root));
  LoraConfig cfg;
  cfg.seed = 5;
  const auto adapted = apply_lora(*root, cfg);
  EXPECT_EQ(adapted, all_default_targets());
  EXPECT_EQ(lora_module_names(*root), adapted);
  std::vector<std::string> lora_names;
  for (const auto& n : adapted) {
    lora_names.push_back(n + ".lora_A");
    lora_names.push_back(n + ".lora_B");
  }
  EXPECT_EQ(sorted(names_of(lora_state_dict(*root))), sorted(lora_names));
  EXPECT_EQ(names_of(base_state_dict(*root)), before);  // checkpoint names, same order
  EXPECT_EQ(state_dict(*root).size(), before.size() + lora_names.size());
  EXPECT_EQ(lora_parameters(*root).size(), lora_names.size());
  EXPECT_FALSE(root->extra_proj->has_lora());
  auto* q = root->encoder->encoder->layer->ptr<DebertaV2LayerImpl>(0)->attention->self->query_proj.get();
  ASSERT_TRUE(q->has_lora());
  EXPECT_EQ(q->lora.A.sizes().vec(), (std::vector<int64_t>{16, 32}));
  EXPECT_EQ(q->lora.B.sizes().vec(), (std::vector<int64_t>{32, 16}));
  EXPECT_DOUBLE_EQ(q->lora.scale, 2.0);
  // A ~ U(-1/sqrt(in), 1/sqrt(in)), B == 0.
  EXPECT_LE(q->lora.A.abs().max().item<double>(), 1.0 / std::sqrt(32.0));
  EXPECT_GT(q->lora.A.abs().max().item<double>(), 0.5 / std::sqrt(32.0));
  EXPECT_EQ(q->lora.B.abs().max().item<double>(), 0.0);

  // Errors: already adapted; nothing selected; bad config.
  EXPECT_THROW(apply_lora(*root, cfg), std::runtime_error);
  LoraConfig none = cfg;
  none.target_modules = {"nothing"};
  EXPECT_THROW(apply_lora(*v2, none), std::runtime_error);
  LoraConfig bad = cfg;
  bad.r = 0;
  EXPECT_THROW(apply_lora(*v2, bad), std::invalid_argument);
  EXPECT_TRUE(lora_module_names(*v2).empty());
  EXPECT_EQ(remove_lora(*root), static_cast<int64_t>(adapted.size()));
  EXPECT_EQ(names_of(state_dict(*root)), before);
}

// ---------------------------------------------------------------------------------------------
// (a) only adapters get gradients

TEST(Lora, OnlyAdapterParametersGetGradients) {
  TinyGliner root = make_root(2);
  const Batch b = make_batch();
  LoraConfig cfg;
  cfg.seed = 11;
  const auto adapted = apply_lora(*root, cfg);
  root->train();
  auto run = [&] {
    for (auto& p : root->parameters())
      if (p.grad().defined()) p.mutable_grad() = torch::Tensor();
    root->forward(b.ids, b.mask).pow(2).mean().backward();
  };
  run();
  int64_t n_base = 0, n_lora = 0;
  for (const auto& kv : root->named_parameters()) {
    if (is_lora_tensor_name(kv.key())) {
      ++n_lora;
      EXPECT_TRUE(kv.value().requires_grad()) << kv.key();
      ASSERT_TRUE(kv.value().grad().defined()) << kv.key();
      const double g = kv.value().grad().abs().sum().item<double>();
      if (kv.key().back() == 'B') {
        EXPECT_GT(g, 0.0) << kv.key();  // dL/dB = scale * dL/dy (A x)^T
      } else {
        EXPECT_EQ(g, 0.0) << kv.key();  // dL/dA = scale * B^T dL/dy x^T with B == 0
      }
    } else {
      ++n_base;
      EXPECT_FALSE(kv.value().requires_grad()) << kv.key();
      EXPECT_FALSE(kv.value().grad().defined()) << kv.key();
    }
  }
  EXPECT_EQ(n_lora, 2 * static_cast<int64_t>(adapted.size()));
  EXPECT_GT(n_base, 0);

  // One optimiser step moves B off zero; then A's gradients are nonzero too.
  torch::optim::Adam opt(lora_parameters(*root), torch::optim::AdamOptions(1e-2));
  opt.step();
  run();
  for (const auto& kv : root->named_parameters()) {
    if (is_lora_tensor_name(kv.key())) {
      ASSERT_TRUE(kv.value().grad().defined()) << kv.key();
      EXPECT_GT(kv.value().grad().abs().sum().item<double>(), 0.0) << kv.key();
    } else {
      EXPECT_FALSE(kv.value().grad().defined()) << kv.key();
    }
  }
}

// ---------------------------------------------------------------------------------------------
// (c) merged forward == unmerged forward

TEST(Lora, MergedForwardEqualsUnmerged) {
  TinyGliner root = make_root(3);
  const Batch b = make_batch();
  const auto before = names_of(state_dict(*root));
  std::map<std::string, torch::Tensor> base0;
  for (const auto& kv : state_dict(*root)) base0[kv.first] = kv.second.detach().clone();

  LoraConfig cfg;
  cfg.seed = 12;
  const auto adapted = apply_lora(*root, cfg);
  train_adapters(root, b, 5);
  double min_b = 1e30;
  for (const auto& n : adapted) {
    auto sd = root->named_parameters();
    min_b = std::min(min_b, sd[n + ".lora_B"].abs().max().item<double>());
  }
  EXPECT_GT(min_b, 0.0) << "training left some B at zero";

  torch::NoGradGuard ng;
  torch::Tensor unmerged = root->forward(b.ids, b.mask);
  torch::Tensor base_out;
  {
    // Reference without adapters: the base model's output differs from the adapted one.
    TinyGliner plain = make_root(3);
    base_out = plain->forward(b.ids, b.mask);
  }
  EXPECT_EQ(merge_lora(*root), static_cast<int64_t>(adapted.size()));
  EXPECT_TRUE(lora_module_names(*root).empty());
  EXPECT_TRUE(lora_parameters(*root).empty());
  EXPECT_EQ(names_of(state_dict(*root)), before);  // plain checkpoint names again
  torch::Tensor merged = root->forward(b.ids, b.mask);

  const double d = max_abs_diff(merged, unmerged);
  const double effect = max_abs_diff(unmerged, base_out);
  std::printf("[lora] merged vs unmerged max_abs_diff=%.3e  (max|out|=%.3f, adapter effect max_abs=%.3e)\n", d,
              unmerged.abs().max().item<double>(), effect);
  EXPECT_LT(d, 1e-5);
  EXPECT_GT(effect, 1e-3);  // the adapters did change the function

  std::set<std::string> adapted_w;
  for (const auto& n : adapted) adapted_w.insert(n + ".weight");
  for (const auto& kv : state_dict(*root)) {
    if (adapted_w.count(kv.first)) {
      EXPECT_GT(max_abs_diff(kv.second, base0.at(kv.first)), 0.0) << kv.first << " not merged";
    } else {
      EXPECT_TRUE(torch::equal(kv.second, base0.at(kv.first))) << kv.first << " changed";
    }
  }
}

// ---------------------------------------------------------------------------------------------
// (d) save -> load round trip

TEST(Lora, SaveLoadAdaptersRoundTrip) {
  const std::string dir = make_tmp_dir();
  const Batch b = make_batch();
  TinyGliner src = make_root(4);
  LoraConfig cfg;
  cfg.seed = 13;
  const auto adapted = apply_lora(*src, cfg);
  train_adapters(src, b, 3);
  save_lora_adapters(*src, dir + "/adapter", cfg);

  // Files: exactly the two, no temp leftovers; GLiNER2's config fields.
  std::set<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(dir + "/adapter")) files.insert(e.path().filename().string());
  EXPECT_EQ(files, (std::set<std::string>{"adapter_config.json", "adapter_weights.safetensors"}));
  nlohmann::json j = nlohmann::json::parse(std::ifstream(dir + "/adapter/adapter_config.json"));
  EXPECT_EQ(j.at("adapter_type"), "lora");
  EXPECT_EQ(j.at("adapter_version"), "1.0");
  EXPECT_EQ(j.at("lora_r").get<int64_t>(), 16);
  EXPECT_DOUBLE_EQ(j.at("lora_alpha").get<double>(), 32.0);
  EXPECT_DOUBLE_EQ(j.at("lora_dropout").get<double>(), 0.0);
  EXPECT_EQ(j.at("target_modules").get<std::vector<std::string>>(),
            (std::vector<std::string>{"classifier", "count_embed", "count_pred", "encoder", "span_rep"}));
  const std::string created = j.at("created_at").get<std::string>();
  EXPECT_EQ(created.size(), 27u) << created;  // YYYY-MM-DDTHH:MM:SS.ffffffZ
  EXPECT_EQ(created.back(), 'Z');
  EXPECT_EQ(j.size(), 7u);
  auto w = load_safetensors(dir + "/adapter/adapter_weights.safetensors");
  std::vector<std::string> wnames;
  for (const auto& kv : w) wnames.push_back(kv.first);
  EXPECT_EQ(wnames, sorted(names_of(lora_state_dict(*src))));
  for (const auto& kv : lora_state_dict(*src)) EXPECT_TRUE(torch::equal(w.at(kv.first), kv.second)) << kv.first;

  // A different model: base weights copied by name (base_state_dict = checkpoint names), stale
  // adapters of another seed replaced by the file's.
  TinyGliner dst = make_root(40);
  std::map<std::string, torch::Tensor> base;
  for (const auto& kv : base_state_dict(*src)) base[kv.first] = kv.second.detach();
  load_state(*dst, base, "", /*strict=*/true);
  LoraConfig other = cfg;
  other.seed = 77;
  other.target_modules = {"encoder"};
  apply_lora(*dst, other);
  const LoraConfig got = load_lora_adapters(*dst, dir + "/adapter");
  EXPECT_EQ(got.r, 16);
  EXPECT_DOUBLE_EQ(got.alpha, 32.0);
  EXPECT_DOUBLE_EQ(got.dropout, 0.0);
  EXPECT_EQ(got.target_modules, j.at("target_modules").get<std::vector<std::string>>());
  EXPECT_EQ(lora_module_names(*dst), adapted);
  for (const auto& kv : dst->named_parameters())
    EXPECT_EQ(kv.value().requires_grad(), is_lora_tensor_name(kv.key())) << kv.key();

  torch::NoGradGuard ng;
  torch::Tensor a = src->forward(b.ids, b.mask), c = dst->forward(b.ids, b.mask);
  std::printf("[lora] save/load round trip max_abs_diff=%.3e\n", max_abs_diff(a, c));
  EXPECT_TRUE(torch::equal(a, c));

  // Strict load: a root whose module names differ (bare encoder: no "encoder." prefix on the
  // GLiNER2 names) throws and is left untouched.
  DebertaV2Model bare(tiny_config());
  EXPECT_THROW(load_lora_adapters(*bare, dir + "/adapter"), std::runtime_error);
  EXPECT_TRUE(lora_module_names(*bare).empty());
  // Saving without adapters, or with a config that disagrees, throws.
  EXPECT_THROW(save_lora_adapters(*bare, dir + "/none", cfg), std::runtime_error);
  LoraConfig wrong = cfg;
  wrong.r = 8;
  EXPECT_THROW(save_lora_adapters(*src, dir + "/wrong", wrong), std::runtime_error);
  EXPECT_THROW(load_lora_adapters(*dst, dir + "/missing"), std::runtime_error);
  std::filesystem::remove_all(dir);
}

// ---------------------------------------------------------------------------------------------
// (e) fresh adapters (B = 0) leave outputs exactly unchanged; seeded A is reproducible

TEST(Lora, FreshAdaptersAreAnExactNoOp) {
  const Batch b = make_batch();
  TinyGliner root = make_root(5);
  torch::Tensor out0, out0_train;
  {
    torch::NoGradGuard ng;
    out0 = root->forward(b.ids, b.mask);
  }
  LoraConfig cfg;
  cfg.seed = 21;
  cfg.dropout = 0.1;  // adapter dropout: still a no-op while B == 0
  apply_lora(*root, cfg);
  torch::NoGradGuard ng;
  EXPECT_TRUE(torch::equal(root->forward(b.ids, b.mask), out0));
  root->train();  // model dropout probabilities are 0 in the tiny config
  EXPECT_TRUE(torch::equal(root->forward(b.ids, b.mask), out0));
  root->eval();

  // Same seed -> same A draws (independent of the global RNG); another seed differs.
  TinyGliner r1 = make_root(5), r2 = make_root(5), r3 = make_root(5);
  torch::manual_seed(1);
  apply_lora(*r1, cfg);
  torch::manual_seed(2);
  apply_lora(*r2, cfg);
  LoraConfig cfg3 = cfg;
  cfg3.seed = 22;
  apply_lora(*r3, cfg3);
  auto s1 = lora_state_dict(*r1), s2 = lora_state_dict(*r2), s3 = lora_state_dict(*r3);
  ASSERT_EQ(s1.size(), s2.size());
  bool all_same = true, any_diff = false;
  for (size_t i = 0; i < s1.size(); ++i) {
    all_same = all_same && torch::equal(s1[i].second, s2[i].second);
    any_diff = any_diff || !torch::equal(s1[i].second, s3[i].second);
  }
  EXPECT_TRUE(all_same);
  EXPECT_TRUE(any_diff);
}
