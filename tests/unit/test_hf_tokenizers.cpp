// The tokenizers of the BERT-family encoders as Hugging Face's slow tokenizers produce them
// (shared/fixtures/hf_encoders/*/expected.json: tokens and ids of three Korean clinical texts,
// with special tokens): WordPiece from vocab.txt + tokenizer_config.json (bert, roberta, electra;
// roberta's [CLS]=0 [PAD]=1 [SEP]=2 [UNK]=3 layout), SentencePiece with XLM-R's fairseq id offset.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "text/hf_tokenizer_files.h"
#include "text/sentencepiece_tokenizer.h"
#include "text/tokenizer.h"
#include "text/wordpiece_tokenizer.h"
#include "support/fixtures.h"
#include "support/fresh_dir.h"

using namespace gtrain;
namespace fs = std::filesystem;

namespace {

const std::string kRoot = test::fixture_dir("hf_encoders");

nlohmann::json expected(const std::string& family) {
  std::ifstream f(kRoot + "/" + family + "/expected.json");
  return nlohmann::json::parse(f);
}

class HfTokenizerParity : public ::testing::TestWithParam<std::string> {};

TEST_P(HfTokenizerParity, IdsAndTokensMatchTransformers) {
  const std::string dir = kRoot + "/" + GetParam();
  if (::access((dir + "/expected.json").c_str(), R_OK) != 0) GTEST_SKIP() << "fixtures absent: " << dir;
  const nlohmann::json e = expected(GetParam());
  auto tok = open_tokenizer(dir);
  const auto& texts = e.at("texts");
  ASSERT_EQ(texts.size(), 3u);
  for (size_t i = 0; i < texts.size(); ++i) {
    std::vector<int64_t> want_ids;
    const auto& mask = e.at("attention_mask")[i];
    for (size_t k = 0; k < mask.size(); ++k)
      if (mask[k].get<int>() == 1) want_ids.push_back(e.at("input_ids")[i][k].get<int64_t>());
    std::vector<int64_t> got_ids;
    std::vector<std::string> got_tokens;
    for (const Piece& p : encode_text(*tok, texts[i].get<std::string>())) {
      got_ids.push_back(p.id);
      got_tokens.push_back(tok->id_to_piece(p.id));
    }
    EXPECT_EQ(got_ids, want_ids) << GetParam() << " text " << i;
    EXPECT_EQ(got_tokens, e.at("tokens")[i].get<std::vector<std::string>>()) << GetParam() << " text " << i;
    // Padding uses the tokenizer's pad id, which the padded rows of the fixture show.
    for (size_t k = 0; k < mask.size(); ++k) {
      if (mask[k].get<int>() == 0) {
        EXPECT_EQ(e.at("input_ids")[i][k].get<int64_t>(), tok->pad_id());
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Families, HfTokenizerParity, test::hf_encoder_families(), test::family_test_name);

// "IV": 'I' is not in the vocabulary, so the whole word is one [UNK], not "[UNK] ##V".
TEST(HfTokenizers, WordWithAnUnknownPieceIsUnkWhole) {
  const std::string dir = kRoot + "/bert";
  if (::access((dir + "/vocab.txt").c_str(), R_OK) != 0) GTEST_SKIP() << "fixtures absent: " << dir;
  auto tok = open_tokenizer(dir);
  const auto pieces = tok->encode_word("IV");
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0].id, tok->unk_id());
  EXPECT_EQ(tok->id_to_piece(pieces[0].id), "[UNK]");
  EXPECT_EQ(pieces[0].begin, 0);
  EXPECT_EQ(pieces[0].end, 2);
}

namespace {

// RoBERTa's special ids: the sequence start 0, pad 1, the separator 2, unk 3.
void expect_roberta_special_ids(const Tokenizer& tok, const std::string& start, const std::string& sep) {
  EXPECT_EQ(tok.piece_to_id(start), 0);
  EXPECT_EQ(tok.pad_id(), 1);
  EXPECT_EQ(tok.piece_to_id(sep), 2);
  EXPECT_EQ(tok.unk_id(), 3);
}

}  // namespace

// klue/roberta-base's layout: the specials sit at the ids vocab.txt gives them, and the unk/pad
// ids follow tokenizer_config.json, not BERT's defaults.
TEST(HfTokenizers, RobertaWordPieceSpecialIds) {
  const std::string dir = kRoot + "/roberta";
  if (::access((dir + "/vocab.txt").c_str(), R_OK) != 0) GTEST_SKIP() << "fixtures absent: " << dir;
  auto tok = open_tokenizer(dir);
  expect_roberta_special_ids(*tok, "[CLS]", "[SEP]");
  EXPECT_EQ(tok->encode_word("[SEP]").at(0).id, 2);  // matched whole
}

TEST(HfTokenizers, XlmRobertaFairseqIdsAndAddedTokens) {
  const std::string dir = kRoot + "/xlm-roberta";
  if (::access((dir + "/sentencepiece.bpe.model").c_str(), R_OK) != 0) GTEST_SKIP() << "fixtures absent: " << dir;
  auto tok = open_tokenizer(dir);
  expect_roberta_special_ids(*tok, "<s>", "</s>");
  EXPECT_EQ(tok->vocab_size(), 514);  // 512 pieces + the fairseq offset + <mask>, config.json's vocab_size
  EXPECT_EQ(tok->piece_to_id("<mask>"), 513);
  EXPECT_EQ(tok->id_to_piece(513), "<mask>");
  // Every model piece maps to piece id + 1 and back.
  SentencePieceTokenizer raw(dir + "/sentencepiece.bpe.model");
  for (int32_t id = 4; id < 513; ++id) EXPECT_EQ(tok->id_to_piece(id), raw.id_to_piece(id - 1)) << id;
  // GLiNER2's tokens come after <mask>, as len(tokenizer) counts them in Python.
  const auto ids = tok->add_special_tokens(gliner2_special_tokens());
  EXPECT_EQ(ids.front(), 514);
  EXPECT_EQ(ids.back(), 523);
  EXPECT_EQ(tok->id_to_piece(514), "[SEP_STRUCT]");
  EXPECT_EQ(tok->encode_word("[E]").at(0).id, tok->piece_to_id("[E]"));
  // The fairseq layout changes ids, so the fingerprint (HDF5 caches) differs from the plain model's.
  EXPECT_NE(tok->fingerprint(), raw.fingerprint());
}

// do_lower_case true (BertTokenizer's default when tokenizer_config.json leaves it out): lower case,
// accents stripped, and Hangul syllables decomposed into jamo as HF's NFD does; CJK ideographs
// isolated (tokenize_chinese_chars defaults to true). Without a tokenizer_config.json the case is kept.
TEST(HfTokenizers, LowerCaseStripsAccentsDecomposesHangulIsolatesCjk) {
  const fs::path dir = fs::temp_directory_path() / ("gtrain-hf-lower-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream f(dir / "vocab.txt");
    // ids:        0       1      2     3    4      5     6      7      8      9       10   11
    f << "[PAD]\n[UNK]\n[CLS]\n[SEP]\nabc\ncafe\n\u1112\n##\u116a\n##\u11ab\n\u4e2d\n\u6587\nAbc\n";
  }
  {
    std::ofstream f(dir / "tokenizer_config.json");
    f << R"({"unk_token": "[UNK]", "pad_token": "[PAD]"})";
  }
  auto ids = [](const Tokenizer& t, const std::string& w) {
    std::vector<int32_t> v;
    for (const Piece& p : t.encode_word(w)) v.push_back(p.id);
    return v;
  };
  auto tok = open_tokenizer(dir.string());
  EXPECT_EQ(ids(*tok, "ABC"), (std::vector<int32_t>{4}));
  EXPECT_EQ(ids(*tok, "Caf\u00e9"), (std::vector<int32_t>{5}));       // é -> e
  EXPECT_EQ(ids(*tok, "\ud658"), (std::vector<int32_t>{6, 7, 8}));    // 환 -> ᄒ ##ᅪ ##ᆫ
  EXPECT_EQ(ids(*tok, "\u4e2d\u6587"), (std::vector<int32_t>{9, 10}));  // 中 and 文 each a word
  const auto pieces = tok->encode_word("\ud658");
  for (const Piece& p : pieces) EXPECT_EQ(p.end - p.begin, 3) << "each jamo covers the syllable's bytes";
  // Settings are part of the fingerprint: the same vocab.txt without them is another tokenizer.
  fs::remove(dir / "tokenizer_config.json");
  auto cased = open_tokenizer(dir.string());
  EXPECT_EQ(ids(*cased, "Abc"), (std::vector<int32_t>{11}));
  EXPECT_NE(cased->fingerprint(), tok->fingerprint());
  fs::remove_all(dir);
}

TEST(HfTokenizers, BadTokenizerConfigNamesFileAndField) {
  const std::string src = kRoot + "/bert";
  if (::access((src + "/vocab.txt").c_str(), R_OK) != 0) GTEST_SKIP() << "fixtures absent: " << src;
  const fs::path dir = fs::temp_directory_path() / ("gtrain-hf-tok-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(src + "/vocab.txt", dir / "vocab.txt");
  {
    std::ofstream f(dir / "tokenizer_config.json");
    f << R"({"do_lower_case": "no", "unk_token": "[UNK]"})";
  }
  try {
    open_tokenizer(dir.string());
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("do_lower_case"), std::string::npos) << e.what();
  }
  {
    std::ofstream f(dir / "tokenizer_config.json");
    f << R"({"do_lower_case": false, "unk_token": "<unknown>"})";
  }
  try {
    open_tokenizer(dir.string());
    ADD_FAILURE() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("unk_token"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

// A bare tokenizer file gets the tokenizer_config.json / added_tokens.json that AutoTokenizer needs
// to rebuild gtrain's tokenizer (GLiNER2.from_pretrained fails without a class to load);
// tests/reference/gliner2_load.sh loads such exports in the real GLiNER2.
nlohmann::json read_json(const fs::path& p) {
  std::ifstream f(p);
  return nlohmann::json::parse(f);
}

std::string slurp(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(HfTokenizerFiles, BareVocabTxtGetsBertTokenizerKeepingCaseAndGliner2Tokens) {
  const fs::path dir = test::fresh_dir("gtrain-hf-files");
  fs::copy_file(std::string(GTRAIN_SOURCE_DIR) + "/tests/data/wordpiece/vocab.txt", dir / "vocab.txt");
  auto run_tok = open_tokenizer(dir.string());
  const int32_t base = run_tok->vocab_size();  // 34
  run_tok->add_special_tokens(gliner2_special_tokens());  // as the run used it
  EXPECT_EQ(complete_hf_tokenizer_files(dir.string()),
            (std::vector<std::string>{"tokenizer_config.json", "added_tokens.json"}));
  const nlohmann::json cfg = read_json(dir / "tokenizer_config.json");
  EXPECT_EQ(cfg.at("tokenizer_class"), "BertTokenizer");
  EXPECT_EQ(cfg.at("do_lower_case"), false);  // as gtrain reads a bare vocab.txt
  EXPECT_EQ(cfg.at("unk_token"), "[UNK]");
  EXPECT_EQ(cfg.at("pad_token"), "[PAD]");
  EXPECT_EQ(cfg.at("additional_special_tokens").get<std::vector<std::string>>(), gliner2_special_tokens());
  EXPECT_FALSE(cfg.contains("cls_token"));  // the vocabulary holds BertTokenizer's [CLS], [SEP], [MASK]
  EXPECT_FALSE(cfg.contains("mask_token"));
  const nlohmann::json added = read_json(dir / "added_tokens.json");
  ASSERT_EQ(added.size(), gliner2_special_tokens().size());
  for (size_t i = 0; i < gliner2_special_tokens().size(); ++i)
    EXPECT_EQ(added.at(gliner2_special_tokens()[i]).get<int32_t>(), base + static_cast<int32_t>(i));
  // Read back, the folder gives the same tokenizer with GLiNER2's tokens at those ids.
  auto back = open_tokenizer(dir.string());
  EXPECT_EQ(back->vocab_size(), base + 10);
  EXPECT_EQ(back->piece_to_id("[P]"), base + 2);
  EXPECT_EQ(back->encode_word("당뇨병")[0].id, 5);
  // The same fingerprint as the run's tokenizer: the export reads the run's prepared data (the
  // settings written read the file as it reads bare).
  back->add_special_tokens(gliner2_special_tokens());  // as a checkpoint's loader does
  EXPECT_EQ(back->fingerprint(), run_tok->fingerprint());
  // A complete folder is left alone.
  const std::string before = slurp(dir / "tokenizer_config.json");
  EXPECT_TRUE(complete_hf_tokenizer_files(dir.string()).empty());
  EXPECT_EQ(slurp(dir / "tokenizer_config.json"), before);
  fs::remove_all(dir);
}

TEST(HfTokenizerFiles, UnkPadsWhenTheVocabularyHasNoPadPiece) {
  // gtrain pads with id 0 then, an ordinary piece: named as pad_token, transformers would treat
  // that word as a special token and never split it out of text; named not at all, transformers
  // adds a "[PAD]" of its own past the embedding table.
  const fs::path dir = test::fresh_dir("gtrain-hf-nopad");
  std::ofstream(dir / "vocab.txt") << "환자\n[UNK]\n당뇨병\n##병\n";
  complete_hf_tokenizer_files(dir.string());
  const nlohmann::json cfg = read_json(dir / "tokenizer_config.json");
  EXPECT_EQ(cfg.at("unk_token"), "[UNK]");
  EXPECT_EQ(cfg.at("pad_token"), "[UNK]");
  // No [CLS], [SEP] or [MASK] in this vocabulary: transformers must add none of its defaults past
  // the embedding table (GLiNER2 would grow it by random rows). BertTokenizerFast needs a cls and
  // a sep piece to be built at all (null ones fail in its converter): the unknown piece; [MASK]
  // null. tests/reference/gliner2_load.sh loads such a folder in transformers.
  EXPECT_EQ(cfg.at("cls_token"), "[UNK]");
  EXPECT_EQ(cfg.at("sep_token"), "[UNK]");
  ASSERT_TRUE(cfg.contains("mask_token"));
  EXPECT_TRUE(cfg.at("mask_token").is_null());
  EXPECT_FALSE(cfg.contains("bos_token"));
  fs::remove_all(dir);
}

// A fresh folder holding gliner2_tiny's spm.model; empty path when the fixtures are absent.
fs::path folder_with_fixture_spm(const std::string& name) {
  const std::string src = test::fixture_dir("gliner2_tiny") + "/spm.model";
  if (::access(src.c_str(), R_OK) != 0) return {};
  const fs::path dir = test::fresh_dir(name);
  fs::copy_file(src, dir / "spm.model");
  return dir;
}

TEST(HfTokenizerFiles, BareSpmModelGetsDebertaV2TokenizerWithItsOwnUnkAndPad) {
  const fs::path dir = folder_with_fixture_spm("gtrain-hf-files-spm");
  if (dir.empty()) GTEST_SKIP() << "fixtures absent: " << test::fixture_dir("gliner2_tiny");
  // A user's own added_tokens.json is kept; only the config is written.
  { std::ofstream(dir / "added_tokens.json") << R"({"[SEP_STRUCT]": 512})"; }
  EXPECT_EQ(complete_hf_tokenizer_files(dir.string()), (std::vector<std::string>{"tokenizer_config.json"}));
  EXPECT_EQ(slurp(dir / "added_tokens.json"), R"({"[SEP_STRUCT]": 512})");
  const nlohmann::json cfg = read_json(dir / "tokenizer_config.json");
  EXPECT_EQ(cfg.at("tokenizer_class"), "DebertaV2Tokenizer");
  EXPECT_EQ(cfg.at("do_lower_case"), false);
  EXPECT_EQ(cfg.at("split_by_punct"), false);
  EXPECT_EQ(cfg.at("unk_token"), "[UNK]");  // this model's control pieces (gtrain's own: <unk>, <pad>)
  EXPECT_EQ(cfg.at("pad_token"), "[PAD]");
  fs::remove_all(dir);
}

// DebertaV2Tokenizer with do_lower_case true lower-cases what gtrain's SentencePiece reader keeps:
// refused, naming the file and field, rather than prompting the labels in another case.
TEST(HfTokenizerFiles, SpmModelWithDoLowerCaseIsRefused) {
  const fs::path dir = folder_with_fixture_spm("gtrain-hf-spm-lower");
  if (dir.empty()) GTEST_SKIP() << "fixtures absent: " << test::fixture_dir("gliner2_tiny");
  { std::ofstream(dir / "tokenizer_config.json") << R"({"tokenizer_class": "DebertaV2Tokenizer", "do_lower_case": true})"; }
  try {
    open_tokenizer(dir.string());
    ADD_FAILURE() << "do_lower_case true accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json: field 'do_lower_case'"), std::string::npos) << e.what();
  }
  { std::ofstream(dir / "tokenizer_config.json") << R"({"tokenizer_class": "DebertaV2Tokenizer", "do_lower_case": false})"; }
  EXPECT_NO_THROW(open_tokenizer(dir.string()));
  fs::remove_all(dir);
}

}  // namespace
