// Spot checks of the generated Unicode tables against Python 3.11 (values noted from CPython:
// str.isalnum/isspace/lower, unicodedata.category). The generator was also checked exhaustively
// over all 0x110000 code points when it was written.
#include <gtest/gtest.h>

#include "text/unicode_class.h"

using namespace gtrain;

TEST(UnicodeClass, WordChar) {
  EXPECT_TRUE(is_word_char(U'a'));
  EXPECT_TRUE(is_word_char(U'Z'));
  EXPECT_TRUE(is_word_char(U'7'));
  EXPECT_TRUE(is_word_char(U'_'));
  EXPECT_TRUE(is_word_char(U'당'));        // Lo
  EXPECT_TRUE(is_word_char(U'\u3131'));   // ㄱ compatibility jamo, Lo
  EXPECT_TRUE(is_word_char(U'é'));
  EXPECT_TRUE(is_word_char(U'\u00B2'));   // ² is No, isalnum() true
  EXPECT_TRUE(is_word_char(U'\u2167'));   // Ⅷ is Nl
  EXPECT_TRUE(is_word_char(U'\u4E00'));
  EXPECT_FALSE(is_word_char(U'\u0301'));  // combining acute, Mn
  EXPECT_FALSE(is_word_char(U'\u0903'));  // Devanagari visarga, Mc
  EXPECT_FALSE(is_word_char(U'-'));
  EXPECT_FALSE(is_word_char(U'%'));
  EXPECT_FALSE(is_word_char(U'·'));
  EXPECT_FALSE(is_word_char(U' '));
  EXPECT_FALSE(is_word_char(U'\u00B0'));  // ° is So
}

TEST(UnicodeClass, Space) {
  for (char32_t c : {U' ', U'\t', U'\n', U'\r', U'\v', U'\f', U'\x1c', U'\x1f', U'\u0085', U'\u00A0',
                     U'\u2003', U'\u3000', U'\u2028'})
    EXPECT_TRUE(is_space(c)) << std::hex << static_cast<unsigned>(c);
  for (char32_t c : {U'a', U'\u200B', U'\uFEFF', U'\0', U'_'})
    EXPECT_FALSE(is_space(c)) << std::hex << static_cast<unsigned>(c);
}

TEST(UnicodeClass, Lower) {
  EXPECT_EQ(to_lower(U'A'), U'a');
  EXPECT_EQ(to_lower(U'a'), U'a');
  EXPECT_EQ(to_lower(U'É'), U'é');
  EXPECT_EQ(to_lower(U'Ω'), U'ω');
  EXPECT_EQ(to_lower(U'Д'), U'д');
  EXPECT_EQ(to_lower(U'\u212A'), U'k');     // Kelvin sign
  EXPECT_EQ(to_lower(U'\u0130'), U'\u0130');  // 'İ'.lower() is two code points: left unchanged
  EXPECT_EQ(to_lower(U'당'), U'당');
  EXPECT_EQ(to_lower(U'7'), U'7');
}

TEST(UnicodeClass, Hangul) {
  EXPECT_TRUE(is_hangul(U'가'));
  EXPECT_TRUE(is_hangul(U'힣'));
  EXPECT_TRUE(is_hangul(U'\u1100'));  // choseong kiyeok
  EXPECT_TRUE(is_hangul(U'\u3131'));  // compatibility jamo
  EXPECT_FALSE(is_hangul(U'a'));
  EXPECT_FALSE(is_hangul(U'\u4E00'));
}

TEST(UnicodeClass, Punct) {
  for (char32_t c : {U'!', U'/', U':', U'@', U'[', U'`', U'{', U'~', U'$', U'+', U'^', U'\u00B7',
                     U'\u3001', U'\u300C', U'\u2014'})
    EXPECT_TRUE(is_punct(c)) << std::hex << static_cast<unsigned>(c);
  for (char32_t c : {U'a', U'0', U' ', U'가', U'\u00B0', U'\u00D7'})  // ° × are symbols, not P*
    EXPECT_FALSE(is_punct(c)) << std::hex << static_cast<unsigned>(c);
}

TEST(UnicodeClass, NormalizerHelpers) {
  EXPECT_TRUE(is_control(U'\0'));
  EXPECT_TRUE(is_control(U'\x7f'));
  EXPECT_TRUE(is_control(U'\u200B'));  // Cf
  EXPECT_FALSE(is_control(U'\t'));
  EXPECT_FALSE(is_control(U'\n'));
  EXPECT_FALSE(is_control(U'a'));
  EXPECT_TRUE(is_nonspacing_mark(U'\u0301'));
  EXPECT_FALSE(is_nonspacing_mark(U'e'));
  EXPECT_EQ(strip_accent(U'é'), U'e');
  EXPECT_EQ(strip_accent(U'Å'), U'A');
  EXPECT_EQ(strip_accent(U'ё'), U'е');
  EXPECT_EQ(strip_accent(U'가'), U'가');  // Hangul is never decomposed
  EXPECT_EQ(strip_accent(U'a'), U'a');
  EXPECT_TRUE(is_cjk_ideograph(U'\u4E00'));
  EXPECT_FALSE(is_cjk_ideograph(U'가'));
}
