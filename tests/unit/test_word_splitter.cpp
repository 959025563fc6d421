// split_words must reproduce GLiNER2 1.2.3's regex word splitter exactly. Every expected vector
// below was produced by CPython 3.11:
//   re.compile(r"""(?:https?://[^\s]+|www\.[^\s]+)|[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}|@[a-z0-9_]+"""
//              r"""|\w+(?:[-_]\w+)*|\S""", re.IGNORECASE).finditer(text.lower())
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "text/utf8.h"
#include "text/word_splitter.h"

using gtrain::split_words;
using Spans = std::vector<std::pair<int, int>>;

namespace {
Spans split(const std::string& s) {
  std::vector<char32_t> cps;
  EXPECT_TRUE(gtrain::utf8::decode(s, &cps)) << s;
  Spans out;
  for (const auto& w : split_words(cps)) out.emplace_back(w.start, w.end);
  return out;
}
}  // namespace

TEST(WordSplitter, NumbersAndPercent) {
  EXPECT_EQ(split("7.5%"), (Spans{{0, 1}, {1, 2}, {2, 3}, {3, 4}}));  // 7 . 5 %
  EXPECT_EQ(split("HbA1c 7.2% 측정"), (Spans{{0, 5}, {6, 7}, {7, 8}, {8, 9}, {9, 10}, {11, 13}}));
  EXPECT_EQ(split("BP 120/80mmHg"), (Spans{{0, 2}, {3, 6}, {6, 7}, {7, 13}}));
  EXPECT_EQ(split("Na+ 140"), (Spans{{0, 2}, {2, 3}, {4, 7}}));
  EXPECT_EQ(split("(p<0.05)"), (Spans{{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 7}, {7, 8}}));
}

TEST(WordSplitter, Korean) {
  EXPECT_EQ(split("환자는 당뇨병으로"), (Spans{{0, 3}, {4, 9}}));
  EXPECT_EQ(split("김철수(45세)는"), (Spans{{0, 3}, {3, 4}, {4, 7}, {7, 8}, {8, 9}}));  // 김철수 ( 45세 ) 는
  EXPECT_EQ(split("3-4일"), (Spans{{0, 4}}));
}

TEST(WordSplitter, HyphensAndUnderscores) {
  EXPECT_EQ(split("covid-19"), (Spans{{0, 8}}));
  EXPECT_EQ(split("pre-op_day-3"), (Spans{{0, 12}}));
  EXPECT_EQ(split("a--b"), (Spans{{0, 1}, {1, 2}, {2, 3}, {3, 4}}));  // '-' must be followed by \w
  EXPECT_EQ(split("a-_b"), (Spans{{0, 4}}));                          // '_' is itself \w
  EXPECT_EQ(split("_x_"), (Spans{{0, 3}}));
  EXPECT_EQ(split("snake_case-kebab"), (Spans{{0, 16}}));
  EXPECT_EQ(split("t2dm/htn"), (Spans{{0, 4}, {4, 5}, {5, 8}}));
}

TEST(WordSplitter, Emails) {
  EXPECT_EQ(split("kim@snu.ac.kr,"), (Spans{{0, 13}, {13, 14}}));
  EXPECT_EQ(split("x.y@mail.co.kr."), (Spans{{0, 14}, {14, 15}}));
  EXPECT_EQ(split("foo.bar@ex-ample.com)"), (Spans{{0, 20}, {20, 21}}));
  // TLD needs two letters: "a@b.c" is no e-mail, so "a" then the handle "@b".
  EXPECT_EQ(split("a@b.c"), (Spans{{0, 1}, {1, 3}, {3, 4}, {4, 5}}));
  // Backtracking to the last '.' that is followed by >= 2 letters.
  EXPECT_EQ(split("a@b.cd.e"), (Spans{{0, 6}, {6, 7}, {7, 8}}));
  EXPECT_EQ(split("ab@cd@ef.gh"), (Spans{{0, 2}, {2, 5}, {5, 8}, {8, 9}, {9, 11}}));
}

TEST(WordSplitter, Handles) {
  EXPECT_EQ(split("@user_1님"), (Spans{{0, 7}, {7, 8}}));  // handle is ASCII only
  EXPECT_EQ(split("me@"), (Spans{{0, 2}, {2, 3}}));
  EXPECT_EQ(split("@"), (Spans{{0, 1}}));
}

TEST(WordSplitter, Urls) {
  EXPECT_EQ(split("See https://www.snuh.org/a?b=1, then"), (Spans{{0, 3}, {4, 31}, {32, 36}}));
  EXPECT_EQ(split("HTTP://X.COM"), (Spans{{0, 12}}));  // matched after lower-casing
  EXPECT_EQ(split("www.x.com/path."), (Spans{{0, 15}}));
  EXPECT_EQ(split("www."), (Spans{{0, 3}, {3, 4}}));  // needs >= 1 char after "www."
  EXPECT_EQ(split("http://"), (Spans{{0, 4}, {4, 5}, {5, 6}, {6, 7}}));
}

TEST(WordSplitter, CombiningMarksAndOtherScripts) {
  EXPECT_EQ(split("\xC3\xA9"), (Spans{{0, 1}}));                       // precomposed é
  EXPECT_EQ(split("e\xCC\x81"), (Spans{{0, 1}, {1, 2}}));              // e + U+0301: Mn is not \w
  EXPECT_EQ(split("cafe\xCC\x81s"), (Spans{{0, 4}, {4, 5}, {5, 6}}));
  EXPECT_EQ(split("\xCE\xA9\xC2\xB2"), (Spans{{0, 2}}));               // Ω² (No is \w)
  EXPECT_EQ(split("\xD9\xA1\xD9\xA2\xD9\xA3"), (Spans{{0, 3}}));       // Arabic-Indic digits
  EXPECT_EQ(split("\xE2\x84\xAA" "elvin"), (Spans{{0, 6}}));           // Kelvin sign lowers to k
  EXPECT_EQ(split("\xCE\xA3\xCE\x91\xCE\xA3"), (Spans{{0, 3}}));       // ΣΑΣ
}

TEST(WordSplitter, Whitespace) {
  EXPECT_EQ(split("x\xC2\xA0y"), (Spans{{0, 1}, {2, 3}}));      // NBSP
  EXPECT_EQ(split("a\xE3\x80\x80" "b"), (Spans{{0, 1}, {2, 3}}));  // ideographic space
  EXPECT_EQ(split("  "), Spans{});
  EXPECT_EQ(split(""), Spans{});
}
