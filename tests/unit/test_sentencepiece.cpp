// SentencePieceTokenizer through the libgtrain_spm.so shim, checked against the real KoBERT model.
// Reference ids come from sentencepiece 0.1.97 encoding the whole sentences.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "text/sentencepiece_tokenizer.h"
#include "text/utf8.h"

namespace {

using gtrain::Piece;
using gtrain::SentencePieceTokenizer;

const std::string kKoBert =
    std::string(GTRAIN_SOURCE_DIR) + "/../shared/data/kobert-sentencepiece/tokenizer_78b3253a26.model";

bool exists(const std::string& p) { return ::access(p.c_str(), R_OK) == 0; }

#define REQUIRE_KOBERT()                                                        \
  if (!exists(kKoBert)) GTEST_SKIP() << "KoBERT SentencePiece model absent: " << kKoBert

std::vector<std::string> split_spaces(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

struct Encoded {
  std::vector<int32_t> ids;
  std::vector<std::string> pieces, surfaces;
};

Encoded encode_words(const SentencePieceTokenizer& t, const std::string& sentence) {
  Encoded e;
  for (const auto& w : split_spaces(sentence))
    for (const Piece& p : t.encode_word(w)) {
      EXPECT_LE(0, p.begin);
      EXPECT_LE(p.begin, p.end);
      EXPECT_LE(p.end, static_cast<int32_t>(w.size()));
      e.ids.push_back(p.id);
      e.pieces.push_back(t.id_to_piece(p.id));
      e.surfaces.push_back(w.substr(p.begin, p.end - p.begin));
    }
  return e;
}

TEST(SentencePiece, KoBertMedicalSentence1) {
  REQUIRE_KOBERT();
  SentencePieceTokenizer t(kKoBert);
  EXPECT_EQ(t.kind(), "sentencepiece");
  EXPECT_EQ(t.vocab_size(), 8000);
  EXPECT_EQ(t.unk_id(), 0);
  EXPECT_EQ(t.pad_id(), 0);  // KoBERT defines no <pad>: falls back to 0
  const Encoded e = encode_words(t, "당뇨병 환자에게 인슐린을 투여한다");
  EXPECT_EQ(e.ids, (std::vector<int32_t>{364, 6964, 402, 2457, 147, 492, 7494, 370, 5, 1062, 137,
                                         158}));
  EXPECT_EQ(e.pieces, (std::vector<std::string>{"▁당", "뇨", "병", "▁환자", "에게", "▁인", "슐",
                                                "린", "을", "▁투", "여", "한다"}));
  EXPECT_EQ(e.surfaces, (std::vector<std::string>{"당", "뇨", "병", "환자", "에게", "인", "슐",
                                                  "린", "을", "투", "여", "한다"}));
}

TEST(SentencePiece, KoBertMedicalSentence2) {
  REQUIRE_KOBERT();
  SentencePieceTokenizer t(kKoBert);
  const Encoded e = encode_words(t, "고혈압 치료를 위해 혈압강하제를 처방하였다");
  EXPECT_EQ(e.ids, (std::vector<int32_t>{151, 2131, 1616, 4936, 140, 3768, 1616, 260, 139, 2659,
                                         1802, 210, 139, 493}));
  EXPECT_EQ(e.surfaces, (std::vector<std::string>{"고", "혈", "압", "치료를", "위해", "혈", "압",
                                                  "강", "하", "제를", "처", "방", "하", "였다"}));
}

TEST(SentencePiece, BarePrefixPieceHasEmptySpan) {
  REQUIRE_KOBERT();
  SentencePieceTokenizer t(kKoBert);
  const auto pieces = t.encode_word("x");
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(t.id_to_piece(pieces[0].id), "▁");
  EXPECT_EQ(pieces[0].begin, pieces[0].end);
  EXPECT_EQ(pieces[1].begin, 0);
  EXPECT_EQ(pieces[1].end, 1);
  EXPECT_TRUE(t.encode_word("").empty());
}

TEST(SentencePiece, VocabLookups) {
  REQUIRE_KOBERT();
  SentencePieceTokenizer t(kKoBert);
  EXPECT_EQ(t.piece_to_id("▁당"), 364);
  EXPECT_EQ(t.id_to_piece(364), "▁당");
  EXPECT_EQ(t.piece_to_id("<unk>"), 0);
  EXPECT_EQ(t.piece_to_id("no-such-piece-xyz"), -1);
  EXPECT_THROW(t.id_to_piece(-1), std::out_of_range);
  EXPECT_THROW(t.id_to_piece(8000), std::out_of_range);
}

TEST(SentencePiece, Gliner2SpecialTokens) {
  REQUIRE_KOBERT();
  SentencePieceTokenizer t(kKoBert);
  const auto& specials = gtrain::gliner2_special_tokens();
  const auto ids = t.add_special_tokens(specials);
  ASSERT_EQ(ids.size(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(ids[i], 8000 + i);
    EXPECT_EQ(t.piece_to_id(specials[i]), 8000 + i);
    EXPECT_EQ(t.id_to_piece(8000 + i), specials[i]);
  }
  EXPECT_EQ(t.vocab_size(), 8010);
  EXPECT_THROW(t.id_to_piece(8010), std::out_of_range);
  // Adding again keeps the ids; a token already in the vocabulary keeps its id.
  EXPECT_EQ(t.add_special_tokens({"[E]", "▁당"}), (std::vector<int32_t>{8004, 364}));
  EXPECT_EQ(t.vocab_size(), 8010);
  // Whole-word match.
  const auto p = t.encode_word("[P]");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].id, 8002);
  EXPECT_EQ(p[0].begin, 0);
  EXPECT_EQ(p[0].end, 3);
  // Split out of a longer word, each text segment encoded on its own.
  const std::string w = "entities[DESCRIPTION]당뇨병";
  const auto q = t.encode_word(w);
  std::vector<int32_t> got;
  std::string surface;
  for (const auto& x : q) {
    got.push_back(x.id);
    surface += w.substr(x.begin, x.end - x.begin);
  }
  std::vector<int32_t> want;
  for (const auto& x : t.encode_word("entities")) want.push_back(x.id);
  want.push_back(8009);
  want.insert(want.end(), {364, 6964, 402});
  EXPECT_EQ(got, want);
  EXPECT_EQ(surface, w);  // offsets tile the word
}

TEST(SentencePiece, FingerprintStableAndSensitiveToAddedTokens) {
  REQUIRE_KOBERT();
  SentencePieceTokenizer a(kKoBert), b(kKoBert), c(kKoBert);
  EXPECT_EQ(a.fingerprint().size(), 64u);
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  EXPECT_EQ(a.fingerprint(), a.fingerprint());
  const std::string base = a.fingerprint();
  a.add_special_tokens(gtrain::gliner2_special_tokens());
  b.add_special_tokens(gtrain::gliner2_special_tokens());
  EXPECT_NE(a.fingerprint(), base);
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  c.add_special_tokens({"[SEP_STRUCT]", "[SEP_TEXT]"});
  EXPECT_NE(c.fingerprint(), a.fingerprint());
  EXPECT_NE(c.fingerprint(), base);
}

TEST(SentencePiece, MissingModelNamesPath) {
  const std::string missing = "/nonexistent/gtrain/no_such_tokenizer.model";
  try {
    SentencePieceTokenizer t(missing);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
}

TEST(SentencePiece, CorruptModelIsAnError) {
  char dir_tmpl[] = "/tmp/gtrain_spm_bad_XXXXXX";
  ASSERT_NE(::mkdtemp(dir_tmpl), nullptr);
  const std::string path = std::string(dir_tmpl) + "/bad.model";
  { std::ofstream(path) << "this is not a sentencepiece model"; }
  EXPECT_THROW(SentencePieceTokenizer t(path), std::runtime_error);
  ::unlink(path.c_str());
  ::rmdir(dir_tmpl);
}

TEST(SentencePiece, TrainTinyUnigramModel) {
  char dir_tmpl[] = "/tmp/gtrain_spm_train_XXXXXX";
  ASSERT_NE(::mkdtemp(dir_tmpl), nullptr);
  const std::string dir = dir_tmpl;
  const std::string input = dir + "/corpus.txt";
  {
    const std::vector<std::string> nouns = {"당뇨병", "고혈압", "인슐린", "환자", "혈압", "치료",
                                            "처방", "투여", "검사", "수술", "폐렴", "간염",
                                            "항생제", "진통제", "두통", "발열", "기침", "위염",
                                            "심장", "신장", "혈당", "콜레스테롤", "입원", "퇴원"};
    const std::vector<std::string> particles = {"을", "를", "이", "가", "은", "는", "에게", "의",
                                                "와", "과", "으로", "에서"};
    const std::vector<std::string> verbs = {"투여한다", "처방하였다", "진단하였다", "호전되었다",
                                            "악화되었다", "관찰한다", "시행하였다", "중단하였다"};
    std::mt19937 rng(42);
    std::string drug;
    std::ofstream out(input);
    for (int line = 0; line < 400; ++line) {
      const int n = 2 + static_cast<int>(rng() % 4);
      for (int i = 0; i < n; ++i)
        out << nouns[rng() % nouns.size()] << particles[rng() % particles.size()] << ' ';
      // Plus a made-up drug name from random syllables, for more distinct substrings.
      for (int k = 0, m = 2 + static_cast<int>(rng() % 3); k < m; ++k)
        gtrain::utf8::append(&drug, 0xAC00 + 588 * (rng() % 6) + 28 * (rng() % 5));
      out << drug << "을 ";
      drug.clear();
      out << verbs[rng() % verbs.size()] << "\n";
    }
  }
  const std::string prefix = dir + "/tiny";
  gtrain::train_sentencepiece(input, prefix, 200, "unigram", 1.0);
  ASSERT_TRUE(exists(prefix + ".model"));
  SentencePieceTokenizer t(prefix + ".model");
  EXPECT_EQ(t.vocab_size(), 200);
  EXPECT_EQ(t.pad_id(), 0);
  EXPECT_EQ(t.unk_id(), 1);
  EXPECT_EQ(t.id_to_piece(0), "<pad>");
  EXPECT_EQ(t.id_to_piece(1), "<unk>");
  const std::string word = "당뇨병환자에게";
  const auto pieces = t.encode_word(word);
  ASSERT_FALSE(pieces.empty());
  std::string surface;
  for (const auto& p : pieces) {
    EXPECT_NE(p.id, t.unk_id());
    surface += word.substr(p.begin, p.end - p.begin);
  }
  EXPECT_EQ(surface, word);
  EXPECT_EQ(t.id_to_piece(pieces[0].id).rfind("▁", 0), 0u);  // first piece carries the prefix
  EXPECT_EQ(t.add_special_tokens({"[P]"}), (std::vector<int32_t>{200}));

  // Failures come back as exceptions, not crashes.
  EXPECT_THROW(gtrain::train_sentencepiece(dir + "/missing.txt", dir + "/x", 200, "unigram", 1.0),
               std::runtime_error);
  EXPECT_THROW(gtrain::train_sentencepiece(input, dir + "/x", 200, "nonsense", 1.0),
               std::runtime_error);
  EXPECT_THROW(gtrain::train_sentencepiece(input, dir + "/x", 100000, "unigram", 1.0),
               std::runtime_error);
  for (const char* f : {"/corpus.txt", "/tiny.model", "/tiny.vocab", "/x.model", "/x.vocab"})
    ::unlink((dir + f).c_str());
  ::rmdir(dir.c_str());
}

TEST(SentencePiece, ShimSearchErrorListsCandidates) {
  // A bad GTRAIN_SPM_SHIM is only one candidate: the process keeps whichever shim it already
  // loaded, so here we only check that the loaded shim's path is reported.
  EXPECT_FALSE(SentencePieceTokenizer::shim_path().empty());
}

}  // namespace
