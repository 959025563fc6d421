// gtrain swap-encoder (model/swap_encoder.h) on the golden fixtures: the encoder of
// shared/fixtures/gliner2_tiny_v2, written out as a Hugging Face encoder directory (bare or
// "deberta."-prefixed tensor names, a fake LM head, config.json, spm.model without the added
// tokens), is swapped into shared/fixtures/gliner2_tiny (count_lstm). Checks: heads bit for bit,
// encoder tensors bit for bit, the tokenizer ids ([MASK] + GLiNER2's ten, as DebertaV2Tokenizer
// and GLiNER2 number them), embedding resizing (append with a seeded N(0, 0.02²), truncation), the
// output loading with load_gliner2_checkpoint, the encoder reproducing gliner2_tiny_v2's hidden
// states, the loss going down under AdamW, and the refusals.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <ATen/CPUGeneratorImpl.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "model/gliner2_model.h"
#include "fixture_batch.h"
#include "model/hf_checkpoint.h"
#include "model/state_dict.h"
#include "model/swap_encoder.h"
#include "model/tensor_io.h"
#include "text/tokenizer.h"
#include "support/error_of.h"

using namespace gtrain;
namespace fs = std::filesystem;

namespace {

const std::string kRoot = std::string(GTRAIN_SOURCE_DIR) + "/../shared/fixtures/";
const std::string kHeads = kRoot + "gliner2_tiny";       // count_lstm: the heads kept
const std::string kEncoder = kRoot + "gliner2_tiny_v2";  // its encoder.* tensors = the new encoder

bool have_fixtures() {
  for (const std::string& d : {kHeads, kEncoder})
    for (const char* f : {"/model.safetensors", "/tensors.safetensors", "/fixtures.json", "/spm.model",
                          "/encoder_config/config.json", "/added_tokens.json", "/tokenizer_config.json"})
      if (::access((d + f).c_str(), R_OK) != 0) return false;
  return true;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream f(path);
  return nlohmann::json::parse(f);
}

void write_json(const std::string& path, const nlohmann::json& j) {
  std::ofstream f(path);
  f << j.dump(2) << "\n";
}

struct TmpDir {
  fs::path p;
  explicit TmpDir(const std::string& tag) {
    p = fs::temp_directory_path() / ("gtrain_swap_" + tag + "_" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
  }
  ~TmpDir() {
    std::error_code ec;
    fs::remove_all(p, ec);
  }
  std::string operator/(const std::string& s) const { return (p / s).string(); }
};

// gliner2_tiny_v2's encoder.* tensors with the prefix stripped (what a bare DebertaV2Model stores).
std::map<std::string, torch::Tensor> source_encoder() {
  std::map<std::string, torch::Tensor> out;
  for (auto& kv : load_safetensors(kEncoder + "/model.safetensors"))
    if (kv.first.rfind("encoder.", 0) == 0) out.emplace(kv.first.substr(8), kv.second);
  return out;
}

struct EncoderDirOptions {
  std::string prefix;                                  // "" or "deberta."
  std::map<std::string, torch::Tensor> extra;          // more tensors (LM head, buffers)
  std::function<void(nlohmann::json&)> edit_config;    // changes to config.json
  std::function<void(torch::Tensor&)> edit_embedding;  // replaces the word embeddings
  std::vector<std::string> omit;                       // encoder tensors left out (bare names)
  bool tokenizer_config = false;                       // also copy the fixture's tokenizer_config.json
};

// An HF encoder directory: config.json, model.safetensors, spm.model (no added_tokens.json).
std::map<std::string, torch::Tensor> make_encoder_dir(const std::string& dir, const EncoderDirOptions& o) {
  fs::create_directories(dir);
  std::map<std::string, torch::Tensor> enc = source_encoder();
  if (o.edit_embedding) o.edit_embedding(enc.at("embeddings.word_embeddings.weight"));
  for (const auto& k : o.omit) enc.erase(k);
  std::vector<std::pair<std::string, torch::Tensor>> tensors;
  for (const auto& kv : enc) tensors.emplace_back(o.prefix + kv.first, kv.second);
  for (const auto& kv : o.extra) tensors.emplace_back(kv.first, kv.second);
  save_safetensors(dir + "/model.safetensors", tensors);
  nlohmann::json cfg = read_json(kEncoder + "/encoder_config/config.json");
  if (o.edit_config) o.edit_config(cfg);
  write_json(dir + "/config.json", cfg);
  fs::copy_file(kEncoder + "/spm.model", dir + "/spm.model");
  if (o.tokenizer_config) fs::copy_file(kEncoder + "/tokenizer_config.json", dir + "/tokenizer_config.json");
  return enc;
}

// The fixture batch (tests/unit_torch/fixture_batch.h).
Gliner2Batch fixture_batch(const std::string& fixture_dir, const nlohmann::json& js) {
  return test::fixture_batch(load_safetensors(fixture_dir + "/tensors.safetensors"), js);
}

class SwapEncoder : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!have_fixtures()) GTEST_SKIP() << "fixtures absent: " << kRoot;
    torch::set_num_threads(1);
  }
};

// The report's added tokens: eleven, the first [MASK] at id 512, found where `mask_source` says.
void expect_mask_first_of_eleven(const SwapEncoderReport& r, const std::string& mask_source) {
  ASSERT_EQ(r.tokens.size(), 11u);
  EXPECT_EQ(r.tokens[0].token, "[MASK]");
  EXPECT_EQ(r.tokens[0].id, 512);
  EXPECT_EQ(r.tokens[0].source, mask_source);
}

// The error of swapping the heads onto an encoder made with eo in tmp/name (output tmp/out).
std::string refusal_of(const TmpDir& tmp, const std::string& name, const EncoderDirOptions& eo) {
  make_encoder_dir(tmp / name, eo);
  return test::error_text_of([&] { swap_encoder(kHeads, tmp / name, tmp / "out"); });
}
// The same for the fixture encoder with config.json changed by edit.
std::string config_refusal(const TmpDir& tmp, const std::string& name,
                           const std::function<void(nlohmann::json&)>& edit) {
  EncoderDirOptions eo;
  eo.edit_config = edit;
  return refusal_of(tmp, name, eo);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

TEST_F(SwapEncoder, KeepsHeadsReplacesEncoderAndTrains) {
  TmpDir tmp("main");
  EncoderDirOptions eo;
  eo.extra["lm_predictions.lm_head.bias"] = torch::zeros({523});
  const auto src = make_encoder_dir(tmp / "encoder", eo);

  SwapEncoderReport r = swap_encoder(kHeads, tmp / "encoder", tmp / "out", 0);
  std::cout << format_swap_report(r);

  // Report.
  EXPECT_EQ(r.kept.size(), 29u);  // 67 tensors, 38 of them encoder.*
  EXPECT_EQ(r.replaced.size(), 38u);
  EXPECT_EQ(r.discarded_gliner2_encoder_tensors, 38);
  EXPECT_EQ(r.encoder_prefix, "");
  EXPECT_EQ(r.dropped, std::vector<std::string>{"lm_predictions.lm_head.bias"});
  EXPECT_EQ(r.hidden_size, 64);
  EXPECT_EQ(r.counting_layer, "count_lstm");
  EXPECT_EQ(r.kept_by_module.at("span_rep"), 12);
  EXPECT_EQ(r.kept_by_module.at("count_embed"), 9);
  EXPECT_EQ(r.kept_by_module.at("count_pred"), 4);
  EXPECT_EQ(r.kept_by_module.at("classifier"), 4);

  // Tokenizer: the 512-piece spm.model, then [MASK] (DebertaV2Tokenizer's mask token, which the spm
  // lacks), then GLiNER2's ten: exactly the fixture's added_tokens.json, so the ids coincide.
  EXPECT_EQ(r.tokenizer_kind, "sentencepiece");
  EXPECT_EQ(r.tokenizer_file_vocab, 512);
  EXPECT_EQ(r.checkpoint_rows, 523);
  EXPECT_EQ(r.rows, 523);
  EXPECT_EQ(r.appended_rows, 0);
  EXPECT_EQ(r.truncated_rows, 0);
  ASSERT_NO_FATAL_FAILURE(expect_mask_first_of_eleven(r, "DebertaV2Tokenizer default mask_token"));
  nlohmann::json want_added = read_json(kHeads + "/added_tokens.json");
  for (const auto& t : r.tokens) {
    EXPECT_TRUE(t.added) << t.token;
    EXPECT_EQ(want_added.at(t.token).get<int32_t>(), t.id) << t.token;
  }
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(r.tokens[1 + i].token, gliner2_special_tokens()[i]);
  EXPECT_TRUE(r.wrote_added_tokens_json);

  // Files.
  const std::string out = tmp / "out";
  EXPECT_FALSE(fs::exists(out + ".tmp." + std::to_string(::getpid())));
  EXPECT_EQ(read_json(out + "/added_tokens.json"), want_added);
  nlohmann::json enc_cfg_out = read_json(out + "/encoder_config/config.json");
  EXPECT_EQ(enc_cfg_out, read_json(tmp / "encoder/config.json"));  // vocab_size already 523
  nlohmann::json cfg_out = read_json(out + "/config.json"), cfg_in = read_json(kHeads + "/config.json");
  EXPECT_EQ(cfg_out["model_name"], fs::path(tmp / "encoder").lexically_normal().string());
  cfg_out.erase("model_name");
  cfg_in.erase("model_name");
  EXPECT_EQ(cfg_out, cfg_in);
  {
    std::ifstream a(tmp / "encoder/spm.model", std::ios::binary), b(out + "/spm.model", std::ios::binary);
    std::string sa((std::istreambuf_iterator<char>(a)), {}), sb((std::istreambuf_iterator<char>(b)), {});
    EXPECT_EQ(sa, sb);
  }

  // Tensors: heads = gliner2_tiny's bit for bit, encoder = the encoder directory's bit for bit.
  auto heads_in = load_safetensors(kHeads + "/model.safetensors");
  auto written = load_safetensors(out + "/model.safetensors");
  std::set<std::string> names_out, names_want;
  for (const auto& kv : written) names_out.insert(kv.first);
  for (const auto& kv : heads_in) names_want.insert(kv.first);
  EXPECT_EQ(names_out, names_want);  // the same 67 names
  int heads = 0, encoder = 0;
  for (const auto& kv : written) {
    ASSERT_EQ(kv.second.scalar_type(), torch::kFloat32) << kv.first;
    if (kv.first.rfind("encoder.", 0) == 0) {
      const torch::Tensor& want = src.at(kv.first.substr(8));
      EXPECT_TRUE(torch::equal(kv.second, want)) << kv.first;
      EXPECT_FALSE(torch::equal(kv.second, heads_in.at(kv.first))) << kv.first << " was not replaced";
      ++encoder;
    } else {
      EXPECT_TRUE(torch::equal(kv.second, heads_in.at(kv.first))) << kv.first;
      ++heads;
    }
  }
  EXPECT_EQ(heads, 29);
  EXPECT_EQ(encoder, 38);

  // The output loads; its tokenizer reproduces the fixture's input ids word by word.
  Gliner2LoadOptions lo;
  lo.eval = true;
  Gliner2Checkpoint ck = load_gliner2_checkpoint(out, lo);
  EXPECT_EQ(ck.appended_embedding_rows, 0);
  EXPECT_EQ(ck.saved_embedding_rows, 523);
  EXPECT_EQ(ck.tokenizer->vocab_size(), 523);
  EXPECT_EQ(ck.encoder_config.vocab_size(), 523);
  EXPECT_EQ(ck.config.counting_layer, "count_lstm");
  const nlohmann::json js = read_json(kHeads + "/fixtures.json");
  for (const auto& e : js["examples"]) {
    std::vector<std::string> words;  // schema_tokens: one list per schema
    for (const auto& schema : e["schema_tokens"])
      for (const auto& w : schema) words.push_back(w.get<std::string>());
    words.push_back("[SEP_TEXT]");
    for (const auto& w : e["word_tokens"]) words.push_back(w.get<std::string>());
    std::vector<int64_t> ids;
    for (const auto& w : words)
      for (const Piece& p : ck.tokenizer->encode_word(w)) ids.push_back(p.id);
    EXPECT_EQ(ids, e["input_ids"].get<std::vector<int64_t>>());
  }
  EXPECT_EQ(ck.tokenizer->piece_to_id("[P]"), 515);
  EXPECT_EQ(ck.tokenizer->piece_to_id("[E]"), 517);

  // The new encoder is gliner2_tiny_v2's: same hidden states on the fixture batch (same ids).
  Gliner2Batch batch = fixture_batch(kHeads, js);
  {
    torch::NoGradGuard ng;
    auto golden_v2 = load_safetensors(kEncoder + "/tensors.safetensors");
    ASSERT_TRUE(torch::equal(batch.input_ids, golden_v2.at("gliner.input_ids")));
    Gliner2Output o = ck.model->forward(batch);
    torch::Tensor m = batch.attention_mask.unsqueeze(-1).to(torch::kBool);
    torch::Tensor ref = golden_v2.at("gliner.last_hidden_state");
    const double err = (o.hidden - ref).abs().masked_select(m).max().item<double>();
    EXPECT_LE(err, 1e-5 + 1e-5 * ref.abs().max().item<double>());
  }

  // Fine-tuning works: a few AdamW steps (eval mode: deterministic) lower the fixture loss.
  std::vector<torch::Tensor> enc_p, task_p, all;
  for (const auto& kv : ck.model->named_parameters()) {
    (kv.key().rfind("encoder.", 0) == 0 ? enc_p : task_p).push_back(kv.value());
    all.push_back(kv.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(enc_p, std::make_unique<torch::optim::AdamWOptions>(
                                 torch::optim::AdamWOptions(1e-4).weight_decay(0.01)));
  groups.emplace_back(task_p, std::make_unique<torch::optim::AdamWOptions>(
                                  torch::optim::AdamWOptions(1e-3).weight_decay(0.01)));
  torch::optim::AdamW opt(std::move(groups), torch::optim::AdamWOptions(1e-3));
  std::vector<double> losses;
  for (int s = 0; s < 6; ++s) {
    opt.zero_grad();
    torch::Tensor loss = ck.model->loss(ck.model->forward(batch), batch).total;
    losses.push_back(loss.item<double>());
    loss.backward();
    torch::nn::utils::clip_grad_norm_(all, 1.0);
    opt.step();
  }
  {
    torch::NoGradGuard ng;
    losses.push_back(ck.model->loss(ck.model->forward(batch), batch).total.item<double>());
  }
  std::cout << "[swap-encoder] fixture loss:";
  for (double l : losses) std::cout << " " << l;
  std::cout << "\n";
  for (double l : losses) EXPECT_TRUE(std::isfinite(l));
  EXPECT_LT(losses.back(), 0.8 * losses.front());
}

TEST_F(SwapEncoder, DebertaPrefixLmHeadAndAppendedRows) {
  TmpDir tmp("prefix");
  EncoderDirOptions eo;
  eo.prefix = "deberta.";
  eo.extra["lm_predictions.lm_head.bias"] = torch::zeros({523});
  eo.extra["lm_predictions.lm_head.dense.weight"] = torch::zeros({64, 64});
  eo.extra["deberta.embeddings.position_ids"] = torch::arange(512, torch::kInt64).unsqueeze(0);
  eo.edit_embedding = [](torch::Tensor& e) { e = e.narrow(0, 0, 500).clone(); };  // fewer rows than tokens
  eo.tokenizer_config = true;  // added_tokens_decoder: [MASK]=512, then GLiNER2's ten
  const auto src = make_encoder_dir(tmp / "encoder", eo);

  SwapEncoderReport r = swap_encoder(kHeads, tmp / "encoder", tmp / "out", 7);
  std::cout << format_swap_report(r);
  EXPECT_EQ(r.encoder_prefix, "deberta.");
  EXPECT_EQ(r.replaced.size(), 38u);
  EXPECT_EQ(r.dropped, (std::vector<std::string>{"deberta.embeddings.position_ids", "lm_predictions.lm_head.bias",
                                                  "lm_predictions.lm_head.dense.weight"}));
  EXPECT_EQ(r.checkpoint_rows, 500);
  EXPECT_EQ(r.rows, 523);
  EXPECT_EQ(r.appended_rows, 23);
  ASSERT_NO_FATAL_FAILURE(expect_mask_first_of_eleven(r, "tokenizer_config.json added_tokens_decoder"));
  for (size_t i = 0; i < 10; ++i) EXPECT_EQ(r.tokens[1 + i].id, 513 + static_cast<int32_t>(i));

  // Rows: the checkpoint's 500, then 23 rows = randn(23, 64, generator(seed 7)) * 0.02.
  auto written = load_safetensors(tmp / "out/model.safetensors");
  torch::Tensor emb = written.at("encoder.embeddings.word_embeddings.weight");
  ASSERT_EQ(emb.sizes().vec(), (std::vector<int64_t>{523, 64}));
  EXPECT_TRUE(torch::equal(emb.narrow(0, 0, 500), src.at("embeddings.word_embeddings.weight")));
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  torch::Tensor want = torch::randn({23, 64}, gen, torch::kFloat32) * 0.02;
  EXPECT_TRUE(torch::equal(emb.narrow(0, 500, 23), want));
  const double sd = emb.narrow(0, 500, 23).std().item<double>();
  EXPECT_GT(sd, 0.015);
  EXPECT_LT(sd, 0.025);
  EXPECT_EQ(read_json(tmp / "out/encoder_config/config.json")["vocab_size"], 523);

  // Same seed: same rows; another seed: other rows.
  swap_encoder(kHeads, tmp / "encoder", tmp / "out_same", 7);
  swap_encoder(kHeads, tmp / "encoder", tmp / "out_other", 8);
  auto same = load_safetensors(tmp / "out_same/model.safetensors").at("encoder.embeddings.word_embeddings.weight");
  auto other = load_safetensors(tmp / "out_other/model.safetensors").at("encoder.embeddings.word_embeddings.weight");
  EXPECT_TRUE(torch::equal(same, emb));
  EXPECT_TRUE(torch::equal(other.narrow(0, 0, 500), emb.narrow(0, 0, 500)));
  EXPECT_FALSE(torch::equal(other.narrow(0, 500, 23), emb.narrow(0, 500, 23)));

  Gliner2Checkpoint ck = load_gliner2_checkpoint(tmp / "out");
  EXPECT_EQ(ck.appended_embedding_rows, 0);
  EXPECT_EQ(ck.tokenizer->vocab_size(), 523);
  for (const auto& kv : state_dict(*ck.model))
    EXPECT_TRUE(torch::equal(kv.second, written.at(kv.first))) << kv.first;
}

TEST_F(SwapEncoder, PaddedVocabularyIsCutToTheTokenizer) {
  TmpDir tmp("pad");
  EncoderDirOptions eo;
  eo.edit_embedding = [](torch::Tensor& e) { e = torch::cat({e, torch::ones({7, e.size(1)})}, 0); };  // 530 rows
  eo.edit_config = [](nlohmann::json& c) { c["vocab_size"] = 530; };
  const auto src = make_encoder_dir(tmp / "encoder", eo);
  SwapEncoderReport r = swap_encoder(kHeads, tmp / "encoder", tmp / "out");
  EXPECT_EQ(r.config_vocab_size, 530);
  EXPECT_EQ(r.checkpoint_rows, 530);
  EXPECT_EQ(r.truncated_rows, 7);
  EXPECT_EQ(r.rows, 523);
  EXPECT_TRUE(r.dropped.empty());
  torch::Tensor emb = load_safetensors(tmp / "out/model.safetensors").at("encoder.embeddings.word_embeddings.weight");
  EXPECT_TRUE(torch::equal(emb, src.at("embeddings.word_embeddings.weight").narrow(0, 0, 523)));
  EXPECT_EQ(read_json(tmp / "out/encoder_config/config.json")["vocab_size"], 523);
  Gliner2Checkpoint ck = load_gliner2_checkpoint(tmp / "out");
  EXPECT_EQ(ck.saved_embedding_rows, 523);
  EXPECT_EQ(ck.tokenizer->vocab_size(), 523);
}

// The mission's case: a WordPiece tokenizer.json (like team-lucid/deberta-v3-base-korean), which
// already holds [MASK]; only GLiNER2's ten are added, after its vocabulary.
TEST_F(SwapEncoder, WordPieceTokenizerJson) {
  const std::string wp = std::string(GTRAIN_SOURCE_DIR) + "/tests/data/wordpiece/tokenizer.json";
  if (::access(wp.c_str(), R_OK) != 0) GTEST_SKIP() << wp << " absent";
  TmpDir tmp("wordpiece");
  make_encoder_dir(tmp / "encoder", EncoderDirOptions{});
  fs::remove(tmp / "encoder/spm.model");
  nlohmann::json tj = read_json(wp);
  const int32_t base = static_cast<int32_t>(tj["model"]["vocab"].size());
  for (int32_t id = base; id < 530; ++id) tj["model"]["vocab"]["##x" + std::to_string(id)] = id;  // 530 tokens
  write_json(tmp / "encoder/tokenizer.json", tj);

  SwapEncoderReport r = swap_encoder(kHeads, tmp / "encoder", tmp / "out", 3);
  EXPECT_EQ(r.tokenizer_kind, "wordpiece");
  EXPECT_EQ(r.tokenizer_file_vocab, 530);
  ASSERT_EQ(r.tokens.size(), 10u);  // [MASK] is in tokenizer.json already
  for (size_t i = 0; i < 10; ++i) {
    EXPECT_EQ(r.tokens[i].token, gliner2_special_tokens()[i]);
    EXPECT_EQ(r.tokens[i].id, 530 + static_cast<int32_t>(i));
    EXPECT_TRUE(r.tokens[i].added);
  }
  EXPECT_EQ(r.checkpoint_rows, 523);
  EXPECT_EQ(r.rows, 540);
  EXPECT_EQ(r.appended_rows, 17);
  EXPECT_TRUE(r.wrote_added_tokens_json);
  EXPECT_TRUE(fs::exists(tmp / "out/tokenizer.json"));
  EXPECT_FALSE(fs::exists(tmp / "out/spm.model"));
  EXPECT_EQ(read_json(tmp / "out/tokenizer.json"), tj);  // copied unchanged
  nlohmann::json added = read_json(tmp / "out/added_tokens.json");
  EXPECT_EQ(added.size(), 10u);
  EXPECT_EQ(added["[E]"], 534);

  Gliner2Checkpoint ck = load_gliner2_checkpoint(tmp / "out");
  EXPECT_EQ(ck.tokenizer->kind(), "wordpiece");
  EXPECT_EQ(ck.tokenizer->vocab_size(), 540);
  EXPECT_EQ(ck.saved_embedding_rows, 540);
  EXPECT_EQ(ck.appended_embedding_rows, 0);
  EXPECT_EQ(ck.tokenizer->piece_to_id("[MASK]"), 4);
  EXPECT_EQ(ck.tokenizer->piece_to_id("[P]"), 532);
  auto pieces = ck.tokenizer->encode_word("[E]");
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].id, 534);

  // A forward pass and a loss on the fixture batch with its special ids moved to the new ones.
  const nlohmann::json js = read_json(kHeads + "/fixtures.json");
  Gliner2Batch batch = fixture_batch(kHeads, js);
  torch::Tensor ids = batch.input_ids.clone();
  auto acc = ids.accessor<int64_t, 2>();
  for (int64_t i = 0; i < ids.size(0); ++i)
    for (int64_t j = 0; j < ids.size(1); ++j) acc[i][j] = acc[i][j] >= 513 ? acc[i][j] - 513 + 530 : acc[i][j];
  batch.input_ids = ids;
  torch::NoGradGuard ng;
  const double loss = ck.model->loss(ck.model->forward(batch), batch).total.item<double>();
  EXPECT_TRUE(std::isfinite(loss));
}

TEST_F(SwapEncoder, Refusals) {
  TmpDir tmp("refuse");
  // An architecture gtrain does not implement (bert, roberta, electra and xlm-roberta are swapped in
  // by tests/cli/swap_encoder_families.sh).
  {
    const std::string e = config_refusal(tmp, "t5", [](nlohmann::json& c) {
      c["model_type"] = "t5";
      c["architectures"] = {"T5EncoderModel"};
    });
    EXPECT_NE(e.find("model_type"), std::string::npos) << e;
    EXPECT_NE(e.find("\"t5\""), std::string::npos) << e;
    EXPECT_NE(e.find(tmp / "t5/config.json"), std::string::npos) << e;
    EXPECT_NE(e.find("deberta-v2"), std::string::npos) << e;
    EXPECT_NE(e.find("xlm-roberta"), std::string::npos) << e;
  }
  // A bert config over DeBERTa weights: the tensors a BertModel needs are missing, by name.
  {
    const std::string e = config_refusal(tmp, "bert", [](nlohmann::json& c) {
      c["model_type"] = "bert";
      c["architectures"] = {"BertModel"};
      c["type_vocab_size"] = 2;  // DeBERTa-v3's 0 is itself refused for bert (field 'type_vocab_size')
    });
    EXPECT_NE(e.find("attention.self.query.weight"), std::string::npos) << e;
    EXPECT_NE(e.find(tmp / "bert/config.json"), std::string::npos) << e;
  }
  {
    const std::string e = config_refusal(tmp, "notype", [](nlohmann::json& c) { c.erase("model_type"); });
    EXPECT_NE(e.find("model_type"), std::string::npos) << e;
  }
  // Width the heads cannot take.
  {
    const std::string e = config_refusal(tmp, "wide", [](nlohmann::json& c) { c["hidden_size"] = 128; });
    EXPECT_NE(e.find("hidden_size"), std::string::npos) << e;
    EXPECT_NE(e.find("128"), std::string::npos) << e;
    EXPECT_NE(e.find("64"), std::string::npos) << e;
    EXPECT_NE(e.find(tmp / "wide/config.json"), std::string::npos) << e;
    EXPECT_NE(e.find(kHeads + "/encoder_config/config.json"), std::string::npos) << e;
  }
  // An encoder tensor missing from the file, and one more layer in the file than in the config.
  {
    EncoderDirOptions eo;
    eo.omit = {"encoder.layer.1.output.dense.weight"};
    const std::string e = refusal_of(tmp, "missing", eo);
    EXPECT_NE(e.find("encoder.layer.1.output.dense.weight"), std::string::npos) << e;
    EXPECT_NE(e.find(tmp / "missing/model.safetensors"), std::string::npos) << e;
  }
  {
    const std::string e = config_refusal(tmp, "deeper", [](nlohmann::json& c) { c["num_hidden_layers"] = 1; });
    EXPECT_NE(e.find("no place for"), std::string::npos) << e;
    EXPECT_NE(e.find("encoder.layer.1."), std::string::npos) << e;
  }
  // The output may not be an input, nor an unrelated non-empty directory.
  {
    EncoderDirOptions eo;
    make_encoder_dir(tmp / "ok", eo);
    const std::string e = test::error_text_of([&] { swap_encoder(kHeads, tmp / "ok", tmp / "ok"); });
    EXPECT_NE(e.find("must differ"), std::string::npos) << e;
    fs::create_directories(tmp / "precious");
    std::ofstream(tmp / "precious/notes.txt") << "keep me\n";
    const std::string e2 = test::error_text_of([&] { swap_encoder(kHeads, tmp / "ok", tmp / "precious"); });
    EXPECT_NE(e2.find("refusing to replace"), std::string::npos) << e2;
    EXPECT_TRUE(fs::exists(tmp / "precious/notes.txt"));
  }
  EXPECT_FALSE(fs::exists(tmp / "out"));  // nothing written by a refused swap
}
