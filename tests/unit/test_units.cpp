#include <gtest/gtest.h>

#include "data/units.h"
#include "text/utf8.h"

using namespace gtrain;

namespace {
std::vector<char32_t> cps(const std::string& s) {
  std::vector<char32_t> v;
  utf8::decode(s, &v);
  return v;
}
std::vector<std::string> unit_texts(const std::string& s, const Units& u) {
  auto c = cps(s);
  std::vector<std::string> out;
  for (size_t i = 0; i < u.size(); ++i) out.push_back(utf8::encode(c, u.char_start[i], u.char_end[i]));
  return out;
}

// Splits a word into a bare "▁" piece followed by pieces of two code points (ids count up), so
// the piece -> unit mapping is easy to predict.
class PairTokenizer : public Tokenizer {
 public:
  std::vector<Piece> encode_word(const std::string& w) const override {
    std::vector<Piece> p{{100, 0, 0}};
    auto off = utf8::byte_offsets(w);
    for (size_t i = 0; i + 1 < off.size(); i += 2)
      p.push_back({static_cast<int32_t>(200 + i), off[i], off[std::min(i + 2, off.size() - 1)]});
    return p;
  }
  std::string id_to_piece(int32_t) const override { return "?"; }
  int32_t piece_to_id(const std::string&) const override { return -1; }
  int32_t vocab_size() const override { return 1000; }
  int32_t pad_id() const override { return 0; }
  int32_t unk_id() const override { return 1; }
  std::string fingerprint() const override { return "pair"; }
  std::string kind() const override { return "test"; }
  std::vector<int32_t> add_special_tokens(const std::vector<std::string>&) override { return {}; }
};
}  // namespace

TEST(Units, WordModeKeepsParticlesAttached) {
  const std::string s = "환자는 당뇨병으로 입원했다.";
  Units u = make_units(cps(s), UnitMode::Word, nullptr);
  EXPECT_EQ(unit_texts(s, u), (std::vector<std::string>{"환자는", "당뇨병으로", "입원했다", "."}));
  int32_t f, g;
  EXPECT_FALSE(find_unit_span(u, 4, 7, &f, &g));  // 당뇨병 inside 당뇨병으로: unreachable
}

TEST(Units, MorphModeSplitsParticlesAndScripts) {
  const std::string s = "환자는 당뇨병으로 HbA1c가 8.2%였다";
  Units u = make_units(cps(s), UnitMode::Morph, nullptr);
  auto t = unit_texts(s, u);
  ASSERT_GE(t.size(), 6u);
  EXPECT_EQ(t[0], "환자");
  EXPECT_EQ(t[1], "는");
  EXPECT_EQ(t[2], "당뇨병");
  EXPECT_EQ(t[3], "으로");
  EXPECT_EQ(t[4], "HbA1c");  // units keep the original text; only matching is lower-cased
  EXPECT_EQ(t[5], "가");
  int32_t f, g;
  ASSERT_TRUE(find_unit_span(u, 4, 7, &f, &g));
  EXPECT_EQ(f, 2);
  EXPECT_EQ(g, 2);
}

TEST(Units, MorphSplitsParticlesInDecomposedHangul) {
  // NFD text (macOS file names and pastes): each syllable is 2 or 3 conjoining jamo. The
  // particles must be found as in NFC text, and the units keep the NFD text's own offsets.
  auto nfd = [](const std::string& nfc) {
    std::vector<char32_t> out;
    for (char32_t c : cps(nfc)) {
      if (c < 0xAC00 || c > 0xD7A3) {
        out.push_back(c);
        continue;
      }
      const char32_t x = c - 0xAC00;
      out.push_back(0x1100 + x / (21 * 28));
      out.push_back(0x1161 + (x % (21 * 28)) / 28);
      if (x % 28) out.push_back(0x11A7 + x % 28);
    }
    return utf8::encode(out, 0, out.size());
  };
  const std::string s = nfd("환자는 당뇨병으로 간이");
  ASSERT_EQ(cps(s).size(), 27u);  // really decomposed
  auto t = unit_texts(s, make_units(cps(s), UnitMode::Morph, nullptr));
  EXPECT_EQ(t, (std::vector<std::string>{nfd("환자"), nfd("는"), nfd("당뇨병"), nfd("으로"), nfd("간"), nfd("이")}));
}

TEST(Units, MorphKeepsOneSyllableWords) {
  // A lone syllable that looks like a particle is not split off itself.
  const std::string s = "이 약은 간";
  auto t = unit_texts(s, make_units(cps(s), UnitMode::Morph, nullptr));
  EXPECT_EQ(t, (std::vector<std::string>{"이", "약", "은", "간"}));
}

TEST(Units, CharModeIsEveryNonSpaceCharacter) {
  const std::string s = "고혈압 치료";
  Units u = make_units(cps(s), UnitMode::Char, nullptr);
  EXPECT_EQ(unit_texts(s, u), (std::vector<std::string>{"고", "혈", "압", "치", "료"}));
  int32_t f, g;
  ASSERT_TRUE(find_unit_span(u, 4, 6, &f, &g));
  EXPECT_EQ(f, 3);
  EXPECT_EQ(g, 4);
}

TEST(Units, SubwordUnitsFollowPiecesAndBareMarkerLendsItsToken) {
  PairTokenizer tok;
  const std::string s = "당뇨병으로 고혈압";
  Units u = make_units(cps(s), UnitMode::Subword, &tok);
  EXPECT_EQ(unit_texts(s, u), (std::vector<std::string>{"당뇨", "병으", "로", "고혈", "압"}));
  // word 1: tokens 0 (▁) 1 2 3; word 2: tokens 4 (▁) 5 6
  EXPECT_EQ(u.unit_token, (std::vector<int32_t>{0, 2, 3, 4, 6}));
  EXPECT_EQ(u.token_ids.size(), 7u);
}

TEST(Units, TokensFollowSegmentsInWordMode) {
  PairTokenizer tok;
  const std::string s = "당뇨병 고혈압";
  Units u = make_units(cps(s), UnitMode::Word, &tok);
  EXPECT_EQ(u.unit_token, (std::vector<int32_t>{0, 3}));
  EXPECT_EQ(u.token_ids, (std::vector<int32_t>{100, 200, 202, 100, 200, 202}));
}

TEST(Units, ParseModeNames) {
  for (UnitMode m : all_unit_modes()) EXPECT_EQ(parse_unit_mode(unit_mode_name(m)), m);
  EXPECT_THROW(parse_unit_mode("syllable"), std::invalid_argument);
}

// GLiNER2 lower-cases text before tokenizing; prepared ids must be what it would feed the encoder.
TEST(Units, TokenizerSeesLowerCasedWordsOffsetsUnchanged) {
  struct Recorder : PairTokenizer {
    mutable std::vector<std::string> seen;
    std::vector<Piece> encode_word(const std::string& w) const override {
      seen.push_back(w);
      return PairTokenizer::encode_word(w);
    }
  } tok;
  const std::string s = "CRP 상승";
  Units u = make_units(cps(s), UnitMode::Word, &tok);
  EXPECT_EQ(tok.seen, (std::vector<std::string>{"crp", "상승"}));
  EXPECT_EQ(unit_texts(s, u), (std::vector<std::string>{"CRP", "상승"}));
}
