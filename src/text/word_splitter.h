// GLiNER2 1.2.3's word splitter (WhitespaceTokenSplitter), reimplemented without a regex engine.
// GLiNER2 lower-cases the text and runs, with re.IGNORECASE,
//   (?:https?://[^\s]+|www\.[^\s]+)|[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}|@[a-z0-9_]+|\w+(?:[-_]\w+)*|\S
// through re.finditer: at each position the first alternative that matches wins (not the longest).
#pragma once
#include <cstdint>
#include <vector>

namespace gtrain {

// One pseudo-word: code-point offsets into the original text, end exclusive.
struct WordSpan {
  int32_t start = 0;
  int32_t end = 0;
};

// Splits text into GLiNER2's pseudo-words. Lower-casing uses the 1:1 simple mapping (to_lower), so
// offsets into the lower-cased text are offsets into the original. Known divergence: Python lowers
// U+0130 'İ' to two code points, shifting its offsets; gtrain keeps it as one character.
// Whitespace (Python str.isspace) never appears in a word.
std::vector<WordSpan> split_words(const std::vector<char32_t>& text);

}  // namespace gtrain
