// Hand-written matcher for GLiNER2's word regex; see word_splitter.h for the pattern.
#include "text/word_splitter.h"

#include <cstddef>

#include "text/unicode_class.h"

namespace gtrain {

namespace {

// [a-z] under re.IGNORECASE on already lower-cased text: besides ASCII, Python also matches
// U+0130 'İ', U+0131 'ı', U+017F 'ſ' and U+212A (Kelvin sign), whose case folds reach ASCII.
bool ascii_letter_ic(char32_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == 0x130 || c == 0x131 || c == 0x17F ||
         c == 0x212A;
}
bool digit(char32_t c) { return c >= '0' && c <= '9'; }

// A literal ASCII letter of the pattern under IGNORECASE ('s' also matches 'ſ', 'k' the Kelvin sign).
bool lit_eq(char32_t c, char lit) {
  if (c == static_cast<char32_t>(lit) || (lit >= 'a' && lit <= 'z' && c == static_cast<char32_t>(lit - 32)))
    return true;
  if (lit == 's') return c == 0x17F;
  if (lit == 'k') return c == 0x212A;
  if (lit == 'i') return c == 0x130 || c == 0x131;
  return false;
}

bool email_local(char32_t c) {  // [a-z0-9._%+-]
  return ascii_letter_ic(c) || digit(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
bool email_domain(char32_t c) { return ascii_letter_ic(c) || digit(c) || c == '.' || c == '-'; }  // [a-z0-9.-]
bool handle_char(char32_t c) { return ascii_letter_ic(c) || digit(c) || c == '_'; }               // [a-z0-9_]

using Text = std::vector<char32_t>;

// Length of the literal lit at t[i..], 0 if it does not match.
size_t match_lit(const Text& t, size_t i, const char* lit) {
  size_t n = 0;
  for (; lit[n]; ++n)
    if (i + n >= t.size() || !lit_eq(t[i + n], lit[n])) return 0;
  return n;
}

size_t run_end(const Text& t, size_t i, bool (*pred)(char32_t)) {
  while (i < t.size() && pred(t[i])) ++i;
  return i;
}

// Each matcher returns the end of its match starting at i, or 0 for no match (a match is never
// empty, so its end is always > i >= 0).

size_t match_url(const Text& t, size_t i) {  // https?://[^\s]+ | www\.[^\s]+
  size_t p = 0;
  if (size_t n = match_lit(t, i, "http")) {
    p = i + n;
    if (p < t.size() && lit_eq(t[p], 's')) ++p;
    if (size_t m = match_lit(t, p, "://")) p += m;
    else p = 0;
  }
  if (p == 0) {
    if (size_t n = match_lit(t, i, "www.")) p = i + n;
    else return 0;
  }
  size_t e = p;
  while (e < t.size() && !is_space(t[e])) ++e;
  return e > p ? e : 0;
}

size_t match_email(const Text& t, size_t i) {  // [a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}
  // The local part cannot contain '@', so backtracking it never helps: it must be the whole run.
  const size_t at = run_end(t, i, email_local);
  if (at == i || at >= t.size() || t[at] != '@') return 0;
  const size_t k = run_end(t, at + 1, email_domain);
  // Greedy [a-z0-9.-]+ backtracks from the right: the last '.' (leaving >= 1 domain char before it)
  // followed by >= 2 letters wins; the letters then run as far as they go.
  for (size_t m = k; m-- > at + 2;) {
    if (t[m] != '.') continue;
    const size_t e = run_end(t, m + 1, ascii_letter_ic);
    if (e - (m + 1) >= 2) return e;
  }
  return 0;
}

size_t match_handle(const Text& t, size_t i) {  // @[a-z0-9_]+
  if (t[i] != '@') return 0;
  const size_t e = run_end(t, i + 1, handle_char);
  return e > i + 1 ? e : 0;
}

size_t match_word(const Text& t, size_t i) {  // \w+(?:[-_]\w+)*
  size_t e = run_end(t, i, is_word_char);
  if (e == i) return 0;
  while (e + 1 < t.size() && (t[e] == '-' || t[e] == '_') && is_word_char(t[e + 1]))
    e = run_end(t, e + 1, is_word_char);
  return e;
}

}  // namespace

std::vector<WordSpan> split_words(const std::vector<char32_t>& text) {
  Text t(text.size());
  for (size_t i = 0; i < text.size(); ++i) t[i] = to_lower(text[i]);
  std::vector<WordSpan> out;
  size_t i = 0;
  while (i < t.size()) {
    if (is_space(t[i])) {  // no alternative can start on whitespace
      ++i;
      continue;
    }
    size_t e = match_url(t, i);
    if (!e) e = match_email(t, i);
    if (!e) e = match_handle(t, i);
    if (!e) e = match_word(t, i);
    if (!e) e = i + 1;  // \S
    out.push_back({static_cast<int32_t>(i), static_cast<int32_t>(e)});
    i = e;
  }
  return out;
}

}  // namespace gtrain
