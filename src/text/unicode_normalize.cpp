#include "text/unicode_normalize.h"

#include <algorithm>

namespace gtrain {

namespace {

struct CpClass { char32_t cp; uint8_t ccc; };
struct CpSlice { char32_t cp; uint32_t offset; uint32_t length; };
struct CpCompose { char32_t first, second, composite; };

#include "text/unicode_normalize_tables.inc"

// Hangul syllables: S = SBase + (L * VCount + V) * TCount + T (Unicode 3.12).
constexpr char32_t SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
constexpr char32_t LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

uint8_t combining_class(char32_t c) {
  auto it = std::lower_bound(std::begin(kCombiningClass), std::end(kCombiningClass), c,
                             [](const CpClass& e, char32_t v) { return e.cp < v; });
  return it != std::end(kCombiningClass) && it->cp == c ? it->ccc : 0;
}

const CpSlice* find_slice(const CpSlice* b, const CpSlice* e, char32_t c) {
  auto it = std::lower_bound(b, e, c, [](const CpSlice& s, char32_t v) { return s.cp < v; });
  return it != e && it->cp == c ? it : nullptr;
}

// Full (recursive, as Python gives it) decomposition of one character, appended to out.
void decompose(char32_t c, bool compat, std::vector<char32_t>* out) {
  if (c >= SBase && c < SBase + SCount) {
    const char32_t s = c - SBase;
    out->push_back(LBase + s / NCount);
    out->push_back(VBase + (s % NCount) / TCount);
    if (s % TCount) out->push_back(TBase + s % TCount);
    return;
  }
  const CpSlice* s = compat ? find_slice(std::begin(kCompatibilityDecomposition), std::end(kCompatibilityDecomposition), c)
                            : nullptr;
  if (!s) s = find_slice(std::begin(kCanonicalDecomposition), std::end(kCanonicalDecomposition), c);
  if (!s) {
    out->push_back(c);
    return;
  }
  out->insert(out->end(), kDecompositionData + s->offset, kDecompositionData + s->offset + s->length);
}

// The primary composite of (a, b), or 0.
char32_t compose(char32_t a, char32_t b) {
  if (a >= LBase && a < LBase + LCount && b >= VBase && b < VBase + VCount)
    return SBase + ((a - LBase) * VCount + (b - VBase)) * TCount;
  if (a >= SBase && a < SBase + SCount && (a - SBase) % TCount == 0 && b > TBase && b < TBase + TCount)
    return a + (b - TBase);
  auto it = std::lower_bound(std::begin(kCompositions), std::end(kCompositions), std::make_pair(a, b),
                             [](const CpCompose& e, const std::pair<char32_t, char32_t>& v) {
                               return e.first != v.first ? e.first < v.first : e.second < v.second;
                             });
  return it != std::end(kCompositions) && it->first == a && it->second == b ? it->composite : 0;
}

// A starter that composes with a preceding character (Hangul V/T jamo, a few Indic vowel signs):
// no segment cut before it.
bool composes_backward(char32_t c) {
  if ((c >= VBase && c < VBase + VCount) || (c > TBase && c < TBase + TCount)) return true;
  static const std::vector<char32_t> seconds = [] {
    std::vector<char32_t> v;
    for (const CpCompose& e : kCompositions)
      if (combining_class(e.second) == 0) v.push_back(e.second);
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }();
  return std::binary_search(seconds.begin(), seconds.end(), c);
}

// Canonical ordering, then canonical composition, of one decomposed segment (in place).
void order_and_compose(std::vector<char32_t>* buf) {
  std::vector<char32_t>& b = *buf;
  // Stable sort of every run of non-starters by combining class.
  for (size_t i = 0; i < b.size();) {
    if (combining_class(b[i]) == 0) { ++i; continue; }
    size_t j = i;
    while (j < b.size() && combining_class(b[j]) != 0) ++j;
    std::stable_sort(b.begin() + static_cast<std::ptrdiff_t>(i), b.begin() + static_cast<std::ptrdiff_t>(j),
                     [](char32_t x, char32_t y) { return combining_class(x) < combining_class(y); });
    i = j;
  }
  if (b.empty()) return;
  std::vector<char32_t> out;
  out.reserve(b.size());
  out.push_back(b[0]);
  long starter = combining_class(b[0]) == 0 ? 0 : -1;
  int last_class = starter == 0 ? 0 : 256;
  for (size_t i = 1; i < b.size(); ++i) {
    const char32_t c = b[i];
    const int cc = combining_class(c);
    if (starter >= 0 && (last_class < cc || last_class == 0)) {
      const char32_t comp = compose(out[static_cast<size_t>(starter)], c);
      if (comp) {
        out[static_cast<size_t>(starter)] = comp;
        continue;
      }
    }
    if (cc == 0) starter = static_cast<long>(out.size());
    last_class = cc;
    out.push_back(c);
  }
  b.swap(out);
}

}  // namespace

std::vector<char32_t> unicode_normalize(const std::vector<char32_t>& text, NormalForm form,
                                        std::vector<int64_t>* begin, std::vector<int64_t>* end) {
  const bool compat = form == NormalForm::NFKC;
  std::vector<char32_t> out, seg, cur, next;
  if (begin) begin->clear();
  if (end) end->clear();
  if (!text.empty()) decompose(text[0], compat, &cur);
  size_t i = 0;
  while (i < text.size()) {
    // A segment: text[i] and every following character that does not start a new one. Each
    // character is decomposed once: `cur` holds text[j]'s decomposition, `next` text[j + 1]'s.
    size_t j = i;
    seg.clear();
    while (true) {
      seg.insert(seg.end(), cur.begin(), cur.end());
      ++j;
      next.clear();
      if (j < text.size()) decompose(text[j], compat, &next);
      cur.swap(next);
      if (j == text.size() || (combining_class(cur[0]) == 0 && !composes_backward(cur[0]))) break;
    }
    order_and_compose(&seg);
    out.insert(out.end(), seg.begin(), seg.end());
    if (begin) begin->insert(begin->end(), seg.size(), static_cast<int64_t>(i));
    if (end) end->insert(end->end(), seg.size(), static_cast<int64_t>(j));
    i = j;
  }
  return out;
}

}  // namespace gtrain
