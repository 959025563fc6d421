// WordPieceTokenizer on a tiny Korean vocabulary laid out like team-lucid/deberta-v3-base-korean
// (tests/data/wordpiece/, README.md there lists every id). Expected ids are derived by hand from
// greedy longest-match-first: at each position take the longest vocab entry that is a prefix of the
// rest ("##"-prefixed after the first piece); if none exists the whole pre-token is [UNK].
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "text/tokenizer.h"
#include "text/wordpiece_tokenizer.h"
#include "support/fresh_dir.h"

#ifndef GTRAIN_SOURCE_DIR
#define GTRAIN_SOURCE_DIR "."
#endif

using gtrain::Piece;
using gtrain::WordPieceTokenizer;

namespace {

const std::string kDir = std::string(GTRAIN_SOURCE_DIR) + "/tests/data/wordpiece/";

struct P {
  int32_t id, begin, end;
};

void expect_pieces(const WordPieceTokenizer& tok, const std::string& word, const std::vector<P>& want) {
  const std::vector<Piece> got = tok.encode_word(word);
  ASSERT_EQ(got.size(), want.size()) << "word: " << word;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].id, want[i].id) << "word: " << word << " piece " << i;
    EXPECT_EQ(got[i].begin, want[i].begin) << "word: " << word << " piece " << i;
    EXPECT_EQ(got[i].end, want[i].end) << "word: " << word << " piece " << i;
  }
}

std::vector<int32_t> ids(const WordPieceTokenizer& tok, const std::string& word) {
  std::vector<int32_t> out;
  for (const Piece& p : tok.encode_word(word)) out.push_back(p.id);
  return out;
}

class WordPieceBoth : public ::testing::TestWithParam<const char*> {
 protected:
  WordPieceTokenizer tok{kDir + GetParam()};
};

}  // namespace

TEST_P(WordPieceBoth, Basics) {
  EXPECT_EQ(tok.kind(), "wordpiece");
  EXPECT_EQ(tok.vocab_size(), 34);
  EXPECT_EQ(tok.pad_id(), 0);
  EXPECT_EQ(tok.unk_id(), 3);
  EXPECT_EQ(tok.piece_to_id("##병"), 6);
  EXPECT_EQ(tok.piece_to_id("병"), -1);
  EXPECT_EQ(tok.id_to_piece(5), "당뇨");
  EXPECT_THROW(tok.id_to_piece(34), std::out_of_range);
}

TEST_P(WordPieceBoth, GreedyLongestMatch) {
  // 당뇨병으로: 당뇨병으로/당뇨병으/당뇨병 absent, 당뇨(5) present -> take it (not 당(23), and not
  // 당 + ##뇨병(25) either: greedy never looks ahead); rest 병으로: ##병(6); rest 으로: ##으로(9).
  // Bytes: each Hangul syllable is 3 bytes.
  expect_pieces(tok, "당뇨병으로", {{5, 0, 6}, {6, 6, 9}, {9, 9, 15}});
  expect_pieces(tok, "환자는", {{7, 0, 6}, {8, 6, 9}});          // 환자(7) ##는(8)
  expect_pieces(tok, "인슐린을", {{10, 0, 9}, {11, 9, 12}});     // 인슐린(10) ##을(11)
  expect_pieces(tok, "투여한다", {{12, 0, 6}, {13, 6, 12}});     // 투여(12) ##한다(13)
  expect_pieces(tok, "고혈압", {{17, 0, 3}, {18, 3, 9}});        // 고(17) ##혈압(18)
  // hba1c: hba(14) beats hb(31); then ##1(15), ##c(16).
  expect_pieces(tok, "hba1c", {{14, 0, 3}, {15, 3, 4}, {16, 4, 5}});
  // 당뇨: the whole word is in the vocab (5).
  expect_pieces(tok, "당뇨", {{5, 0, 6}});
}

TEST_P(WordPieceBoth, UnknownWholeWord) {
  expect_pieces(tok, "xyz", {{3, 0, 3}});  // x not in vocab at all
  // 당뇨x: 당뇨(5) matches, but no ##x... prefix exists -> the whole pre-token is one [UNK].
  expect_pieces(tok, "당뇨x", {{3, 0, 7}});
  // Continuation pieces never start a word: 는 exists only as ##는.
  expect_pieces(tok, "는", {{3, 0, 3}});
  // Case-sensitive (lowercase false): H is not h.
  expect_pieces(tok, "HbA1c", {{3, 0, 5}});
}

TEST_P(WordPieceBoth, OverlongWordIsUnk) {
  // "a" (33) then "##a" (32) repeatedly would segment any run of a's; max_input_chars_per_word is
  // 100, so 100 a's give 100 pieces and 101 a's one [UNK].
  const std::vector<Piece> p100 = tok.encode_word(std::string(100, 'a'));
  ASSERT_EQ(p100.size(), 100u);
  EXPECT_EQ(p100[0].id, 33);
  EXPECT_EQ(p100[99].id, 32);
  EXPECT_EQ(p100[99].begin, 99);
  expect_pieces(tok, std::string(101, 'a'), {{3, 0, 101}});
}

TEST_P(WordPieceBoth, PunctuationSplitInsideWord) {
  // BertPreTokenizer isolates each punctuation char: ( 45세 ) are encoded separately.
  // ( = 19 [0,1); 45세 -> 45(21) [1,3) + ##세(22) [3,6); ) = 20 [6,7).
  expect_pieces(tok, "(45세)", {{19, 0, 1}, {21, 1, 3}, {22, 3, 6}, {20, 6, 7}});
  // 김철수(45세)는: 김철수 -> [UNK] [0,9); ( [9,10); 45 [10,12) ##세 [12,15); ) [15,16);
  // 는 -> [UNK] [16,19) since only ##는 exists.
  expect_pieces(tok, "김철수(45세)는",
                {{3, 0, 9}, {19, 9, 10}, {21, 10, 12}, {22, 12, 15}, {20, 15, 16}, {3, 16, 19}});
  // 7.5%: 7(29) .(27); "5" alone is not in the vocab (only ##5) -> [UNK]; %(28).
  expect_pieces(tok, "7.5%", {{29, 0, 1}, {27, 1, 2}, {3, 2, 3}, {28, 3, 4}});
  // 고-혈압: '-' splits, so 혈압 starts a pre-token and ##혈압 cannot be used -> [UNK].
  expect_pieces(tok, "고-혈압", {{17, 0, 3}, {26, 3, 4}, {3, 4, 10}});
}

TEST_P(WordPieceBoth, ControlCharsRemoved) {
  // clean_text drops U+200B (Cf); the dropped char stays covered by the piece before it, so
  // 당뇨 spans [0,9) (당뇨 + U+200B) and ##병 [9,12).
  expect_pieces(tok, "당뇨\xE2\x80\x8B병", {{5, 0, 9}, {6, 9, 12}});
  EXPECT_TRUE(tok.encode_word("\xE2\x80\x8B").empty());
  EXPECT_THROW(tok.encode_word("\xFF"), std::runtime_error);
}

TEST_P(WordPieceBoth, SpecialTokens) {
  const std::string before = tok.fingerprint();
  // Existing specials are matched whole.
  expect_pieces(tok, "[CLS]", {{1, 0, 5}});
  expect_pieces(tok, "[MASK]", {{4, 0, 6}});
  const std::vector<int32_t> got = tok.add_special_tokens(gtrain::gliner2_special_tokens());
  // Ten new tokens after the 34-token vocabulary, in order.
  EXPECT_EQ(got, (std::vector<int32_t>{34, 35, 36, 37, 38, 39, 40, 41, 42, 43}));
  EXPECT_EQ(tok.vocab_size(), 44);
  EXPECT_EQ(tok.piece_to_id("[P]"), 36);
  EXPECT_EQ(tok.id_to_piece(38), "[E]");
  expect_pieces(tok, "[P]", {{36, 0, 3}});
  expect_pieces(tok, "[E]", {{38, 0, 3}});
  expect_pieces(tok, "[SEP_TEXT]", {{35, 0, 10}});
  // Inside a longer word the added token is split out; "[E]당뇨" -> [E](38) + 당뇨(5).
  expect_pieces(tok, "[E]당뇨", {{38, 0, 3}, {5, 3, 9}});
  // Adding again (and adding a vocab token) keeps ids and size.
  EXPECT_EQ(tok.add_special_tokens({"[P]", "[CLS]"}), (std::vector<int32_t>{36, 1}));
  EXPECT_EQ(tok.vocab_size(), 44);
  const std::string after = tok.fingerprint();
  EXPECT_EQ(after.size(), 64u);
  EXPECT_NE(before, after);
}

INSTANTIATE_TEST_SUITE_P(Files, WordPieceBoth, ::testing::Values("tokenizer.json", "vocab.txt"));

TEST(WordPiece, JsonAndVocabTxtAgree) {
  WordPieceTokenizer a(kDir + "tokenizer.json"), b(kDir + "vocab.txt");
  ASSERT_EQ(a.vocab_size(), b.vocab_size());
  for (int32_t i = 0; i < a.vocab_size(); ++i) EXPECT_EQ(a.id_to_piece(i), b.id_to_piece(i));
  for (const char* w : {"당뇨병으로", "환자는", "인슐린을", "투여한다", "hba1c", "고혈압", "김철수(45세)는", "7.5%",
                        "xyz", "[SEP]", "당뇨x"})
    EXPECT_EQ(ids(a, w), ids(b, w)) << w;
  // Different files give different fingerprints; the same file gives the same one.
  EXPECT_NE(a.fingerprint(), b.fingerprint());
  EXPECT_EQ(a.fingerprint(), WordPieceTokenizer(kDir + "tokenizer.json").fingerprint());
}

TEST(WordPiece, LowercaseStripAccentsChinese) {
  // An English-BERT-like normalizer: lowercase true with strip_accents null strips accents too.
  const std::string path = ::testing::TempDir() + "gtrain_wp_lower.json";
  {
    std::ofstream f(path);
    f << R"({"normalizer":{"type":"BertNormalizer","clean_text":true,"handle_chinese_chars":true,)"
         R"("strip_accents":null,"lowercase":true},"pre_tokenizer":{"type":"BertPreTokenizer"},)"
         R"("added_tokens":[],"model":{"type":"WordPiece","unk_token":"[UNK]",)"
         R"("vocab":{"[UNK]":0,"hba":1,"##1":2,"##c":3,"cafe":4,"中":5,"文":6,"[PAD]":7}}})";
  }
  WordPieceTokenizer tok(path);
  EXPECT_EQ(tok.pad_id(), 7);
  expect_pieces(tok, "HbA1c", {{1, 0, 3}, {2, 3, 4}, {3, 4, 5}});
  expect_pieces(tok, "Caf\xC3\xA9", {{4, 0, 5}});    // Café: é -> e
  expect_pieces(tok, "Cafe\xCC\x81", {{4, 0, 6}});   // e + combining acute: the mark is dropped
  expect_pieces(tok, "中文", {{5, 0, 3}, {6, 3, 6}});  // each CJK ideograph is its own pre-token
}

TEST(WordPiece, BadFiles) {
  EXPECT_THROW(WordPieceTokenizer(kDir + "does_not_exist.json"), std::runtime_error);
  const std::string path = ::testing::TempDir() + "gtrain_wp_bpe.json";
  {
    std::ofstream f(path);
    f << R"({"model":{"type":"BPE","vocab":{"a":0}}})";
  }
  try {
    WordPieceTokenizer t(path);
    FAIL() << "BPE model accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("WordPiece"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

// Found by tests/fuzz/fuzz_wordpiece_load: an id of 2^31-1 overflowed `id + 1` (undefined), a
// large id sized the id table to gigabytes, a float id (or max_input_chars_per_word, pad_id) was
// cast to an integer unchecked. Each is now an error naming the file and the token.
TEST(WordPiece, BadIdsAreErrors) {
  const std::string path = ::testing::TempDir() + "gtrain_wp_bad_ids.json";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0,"a":2147483647}}})", "has id 2147483647"},
      {R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0,"a":200000000}}})", "has id 200000000"},
      {R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0,"a":1e300}}})", "expected an integer"},
      {R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0,"a":-1}}})", "negative id"},
      {R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0,"a":1}},"added_tokens":[{"id":9,"content":"[E]"}]})",
       "has id 9"},
      {R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0},"max_input_chars_per_word":1e300}})",
       "max_input_chars_per_word"},
      {R"({"model":{"type":"WordPiece","vocab":{"[UNK]":0,"a":1}},"padding":{"pad_id":1e300}})", "padding.pad_id"},
  };
  for (const auto& [json, expect] : cases) {
    {
      std::ofstream f(path);
      f << json;
    }
    try {
      WordPieceTokenizer t(path);
      ADD_FAILURE() << "accepted: " << json;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
  // Ids may still come in any order, added tokens repeating vocabulary entries.
  {
    std::ofstream f(path);
    f << R"({"model":{"type":"WordPiece","vocab":{"a":2,"[UNK]":0,"[PAD]":1}},)"
         R"("added_tokens":[{"id":1,"content":"[PAD]"},{"id":3,"content":"[E]"}],"padding":{"pad_id":1}})";
  }
  WordPieceTokenizer t(path);
  EXPECT_EQ(t.vocab_size(), 4);
  EXPECT_EQ(t.pad_id(), 1);
  EXPECT_EQ(t.piece_to_id("[E]"), 3);
}

// added_tokens.json beside a tokenizer: a float or out-of-range id is an error (it was cast to
// int32_t unchecked); a valid one still lands on its id.
TEST(WordPiece, AddedTokensJsonIds) {
  namespace fs = std::filesystem;
  const fs::path dir = gtrain::test::fresh_dir("gtrain_wp_added_ids");
  fs::copy_file(kDir + "tokenizer.json", dir / "tokenizer.json");
  for (const char* bad : {R"({"[P]": 1e300})", R"({"[P]": 34.5})", R"({"[P]": -1})", R"({"[P]": 4294967296})", "[34]"}) {
    {
      std::ofstream f(dir / "added_tokens.json");
      f << bad;
    }
    EXPECT_THROW(gtrain::open_tokenizer(dir.string()), std::runtime_error) << bad;
  }
  {
    std::ofstream f(dir / "added_tokens.json");
    f << R"({"[P]": 34, "[E]": 35})";
  }
  const auto tok = gtrain::open_tokenizer(dir.string());
  EXPECT_EQ(tok->piece_to_id("[P]"), 34);
  EXPECT_EQ(tok->piece_to_id("[E]"), 35);
  fs::remove_all(dir);
}

TEST(WordPiece, AddedTokensDecoderWithoutAddedTokensJson) {
  // transformers keeps added tokens in tokenizer_config.json's added_tokens_decoder; without an
  // added_tokens.json they are read from there, at their ids (a model's GLiNER2 tokens sit past
  // them, so a token left out would shift every later id).
  const std::filesystem::path dir = ::testing::TempDir() + "gtrain_wp_decoder";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "vocab.txt") << "[PAD]\n[UNK]\n[CLS]\n[SEP]\nab\n";
  std::ofstream(dir / "tokenizer_config.json")
      << R"({"added_tokens_decoder": {"0": {"content": "[PAD]"}, "5": {"content": "[MASK]"}, "6": {"content": "[X]"}}})";
  auto tok = gtrain::open_tokenizer(dir.string());
  EXPECT_EQ(tok->vocab_size(), 7);
  EXPECT_EQ(tok->piece_to_id("[MASK]"), 5);
  EXPECT_EQ(tok->piece_to_id("[X]"), 6);
  // An id the tokenizer cannot give is an error naming the file.
  std::ofstream(dir / "tokenizer_config.json") << R"({"added_tokens_decoder": {"9": {"content": "[MASK]"}}})";
  try {
    gtrain::open_tokenizer(dir.string());
    FAIL() << "accepted an added token at a gap";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("tokenizer_config.json"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

// BertTokenizerFast rebuilds tokenizer.json's BertNormalizer from tokenizer_config.json's
// do_lower_case (default true), strip_accents and tokenize_chinese_chars where they differ; other
// classes keep the file's. The ids are transformers 4.57.1's for "HbA1c 당뇨병" with this file
// (its normalizer: lowercase false, strip_accents null).
TEST(WordPiece, TokenizerConfigSettingsOverTokenizerJsonAsBertTokenizerFast) {
  namespace fs = std::filesystem;
  const fs::path dir = gtrain::test::fresh_dir("gtrain_wp_json_settings");
  fs::copy_file(kDir + "tokenizer.json", dir / "tokenizer.json");
  auto encode = [&](const std::string& config) {
    std::ofstream(dir / "tokenizer_config.json") << config;
    const auto tok = gtrain::open_tokenizer(dir.string());
    return gtrain::encode_text(*tok, "HbA1c 당뇨병", false);
  };
  auto id_list = [](const std::vector<Piece>& p) {
    std::vector<int32_t> v;
    for (const auto& x : p) v.push_back(x.id);
    return v;
  };
  const std::vector<int32_t> as_file = {3, 5, 6};
  EXPECT_EQ(id_list(encode(R"({"tokenizer_class": "BertTokenizer"})")), (std::vector<int32_t>{14, 15, 16, 3}));
  EXPECT_EQ(id_list(encode(R"({"tokenizer_class": "BertTokenizer", "do_lower_case": false})")), as_file);
  EXPECT_EQ(id_list(encode(R"({"tokenizer_class": "BertTokenizerFast", "do_lower_case": true, "strip_accents": false})")),
            (std::vector<int32_t>{14, 15, 16, 5, 6}));
  EXPECT_EQ(id_list(encode(R"({"tokenizer_class": "ElectraTokenizer", "do_lower_case": true, "strip_accents": false})")),
            (std::vector<int32_t>{14, 15, 16, 5, 6}));
  EXPECT_EQ(id_list(encode(R"({"tokenizer_class": "PreTrainedTokenizerFast"})")), as_file);
  // Settings that read the file as it is keep its fingerprint (caches prepared before stay valid).
  std::ofstream(dir / "tokenizer_config.json") << R"({"tokenizer_class": "BertTokenizer", "do_lower_case": false})";
  EXPECT_EQ(gtrain::open_tokenizer(dir.string())->fingerprint(), WordPieceTokenizer(kDir + "tokenizer.json").fingerprint());
  std::ofstream(dir / "tokenizer_config.json") << R"({"tokenizer_class": "BertTokenizer"})";
  EXPECT_NE(gtrain::open_tokenizer(dir.string())->fingerprint(), WordPieceTokenizer(kDir + "tokenizer.json").fingerprint());
  // No class in tokenizer_config.json: AutoTokenizer takes config.json's tokenizer_class (KLUE's
  // RoBERTa models name BertTokenizer there), else its model_type's class.
  std::ofstream(dir / "config.json") << R"({"model_type": "roberta", "tokenizer_class": "BertTokenizer"})";
  EXPECT_EQ(id_list(encode("{}")), (std::vector<int32_t>{14, 15, 16, 3}));
  std::ofstream(dir / "config.json") << R"({"model_type": "bert"})";
  EXPECT_EQ(id_list(encode("{}")), (std::vector<int32_t>{14, 15, 16, 3}));
  std::ofstream(dir / "config.json") << R"({"model_type": "roberta"})";
  EXPECT_EQ(id_list(encode("{}")), as_file);
  fs::remove_all(dir);
}
