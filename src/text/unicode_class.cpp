// Lookups into the generated tables by binary search (tables are sorted by code point).
#include "text/unicode_class.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace gtrain {

namespace {

struct CpRange {
  uint32_t lo, hi;  // inclusive
};
struct CpPair {
  uint32_t from, to;
};

#include "text/unicode_tables.inc"

template <size_t N>
bool in_ranges(const CpRange (&table)[N], char32_t c) {
  const uint32_t v = static_cast<uint32_t>(c);
  // First range whose hi >= v; c is inside iff that range starts at or before v.
  auto it = std::lower_bound(std::begin(table), std::end(table), v,
                             [](const CpRange& r, uint32_t x) { return r.hi < x; });
  return it != std::end(table) && it->lo <= v;
}

template <size_t N>
char32_t map_pair(const CpPair (&table)[N], char32_t c) {
  const uint32_t v = static_cast<uint32_t>(c);
  auto it = std::lower_bound(std::begin(table), std::end(table), v,
                             [](const CpPair& p, uint32_t x) { return p.from < x; });
  return (it != std::end(table) && it->from == v) ? static_cast<char32_t>(it->to) : c;
}

}  // namespace

bool is_word_char(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  return in_ranges(kWordRanges, c);
}

bool is_space(char32_t c) {
  if (c < 0x80) return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20);
  return in_ranges(kSpaceRanges, c);
}

char32_t to_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  return map_pair(kLowerPairs, c);
}

bool is_hangul(char32_t c) {
  return (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x1100 && c <= 0x11FF) || (c >= 0x3130 && c <= 0x318F) ||
         (c >= 0xA960 && c <= 0xA97F) || (c >= 0xD7B0 && c <= 0xD7FF);
}

bool is_punct(char32_t c) { return in_ranges(kPunctRanges, c); }

bool is_control(char32_t c) { return in_ranges(kControlRanges, c); }

bool is_nonspacing_mark(char32_t c) { return in_ranges(kMnRanges, c); }

char32_t strip_accent(char32_t c) {
  if (c < 0xC0 || (c >= 0xAC00 && c <= 0xD7A3)) return c;
  return map_pair(kStripAccentPairs, c);
}

bool is_cjk_ideograph(char32_t c) {
  // The blocks listed in BERT's _is_chinese_char (and HF tokenizers' is_chinese_char).
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

}  // namespace gtrain
