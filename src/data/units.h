// Span units: the positions a span can start and end at. See docs/data-format.md, "Span units".
//
//   word     GLiNER2 1.2.3's own word splitter: what released checkpoints were trained on.
//   subword  the tokenizer's pieces of each word: a unit per piece that covers characters.
//   morph    words split further where Korean particles (josa) attach and where Hangul meets
//            digits/Latin; each segment tokenized on its own, one unit per piece. (Without a
//            tokenizer, one unit per segment: only the unit tests use that.)
//   char     every non-space character is its own unit (and its own tokenizer word).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "text/tokenizer.h"

namespace gtrain {

enum class UnitMode { Word, Subword, Morph, Char };

UnitMode parse_unit_mode(const std::string& s);  // throws listing the valid names
std::string unit_mode_name(UnitMode m);
const std::vector<UnitMode>& all_unit_modes();

struct Units {
  std::vector<int32_t> token_ids;    // the text's tokens, in order
  std::vector<int32_t> unit_token;   // unit -> index of its first token
  std::vector<int32_t> char_start;   // unit -> code point start (inclusive)
  std::vector<int32_t> char_end;     // unit -> code point end (exclusive)
  size_t size() const { return char_start.size(); }
};

// Splits text (code points) into units and tokenizes them. tokenizer may be null for word, morph
// and char (then token fields stay empty): used to measure coverage without a tokenizer.
Units make_units(const std::vector<char32_t>& text, UnitMode mode, const Tokenizer* tokenizer);

// Segments of the `morph` mode (code point ranges), exposed for tests and docs.
std::vector<std::pair<int32_t, int32_t>> morph_segments(const std::vector<char32_t>& text);

// Finds the unit span [first, last] whose characters are exactly [start, end); returns false if the
// boundaries fall inside units.
bool find_unit_span(const Units& u, int32_t start, int32_t end, int32_t* first, int32_t* last);

}  // namespace gtrain
