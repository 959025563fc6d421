// Unicode normalization forms NFC and NFKC (UAX #15), with a map from each output character back
// to the input characters it came from, so a match found in normalized text has offsets in the
// original. Tables: scripts/gen_normalization_tables.py (Python 3.11's unicodedata, Unicode 14).
//
// The text is cut into segments before every character that starts with a starter (combining
// class 0) that cannot compose with a preceding one; each segment is normalized on its own and all
// its output characters map to the whole segment. That equals normalizing the whole text for
// everything but the rare starter pairs that compose across a cut in a way no segment sees (none
// in Hangul, Latin, CJK); the unit test compares against Python on mixed samples.
#pragma once
#include <cstdint>
#include <vector>

namespace gtrain {

enum class NormalForm { NFC, NFKC };

// Returns the normalized text; begin/end (optional) get, per output character, the half-open
// range of input indices it came from.
std::vector<char32_t> unicode_normalize(const std::vector<char32_t>& text, NormalForm form,
                                        std::vector<int64_t>* begin = nullptr, std::vector<int64_t>* end = nullptr);

}  // namespace gtrain
