#include "text/utf8.h"

namespace gtrain::utf8 {

namespace {
// Returns bytes consumed (0 = invalid) and writes the code point.
inline int next(const unsigned char* p, size_t left, char32_t* cp) {
  unsigned char c = p[0];
  if (c < 0x80) { *cp = c; return 1; }
  int n; char32_t v, min;
  if ((c & 0xE0) == 0xC0) { n = 2; v = c & 0x1F; min = 0x80; }
  else if ((c & 0xF0) == 0xE0) { n = 3; v = c & 0x0F; min = 0x800; }
  else if ((c & 0xF8) == 0xF0) { n = 4; v = c & 0x07; min = 0x10000; }
  else return 0;
  if (left < static_cast<size_t>(n)) return 0;
  for (int i = 1; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return n;
}
}  // namespace

bool decode(const std::string& s, std::vector<char32_t>* out, size_t* bad_byte) {
  out->clear();
  out->reserve(s.size());
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0, n = s.size();
  while (i < n) {
    char32_t cp;
    int k = next(p + i, n - i, &cp);
    if (k == 0) { if (bad_byte) *bad_byte = i; return false; }
    out->push_back(cp);
    i += k;
  }
  return true;
}

bool valid(const std::string& s, size_t* bad_byte) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0, n = s.size();
  while (i < n) {
    if (p[i] < 0x80) { ++i; continue; }
    char32_t cp;
    int k = next(p + i, n - i, &cp);
    if (k == 0) { if (bad_byte) *bad_byte = i; return false; }
    i += k;
  }
  return true;
}

void append(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string encode(const std::vector<char32_t>& cps, size_t begin, size_t end) {
  std::string s;
  s.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) append(&s, cps[i]);
  return s;
}

std::vector<int32_t> byte_offsets(const std::string& s) {
  std::vector<int32_t> off;
  off.reserve(s.size() + 1);
  for (size_t i = 0; i < s.size(); ++i)
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) off.push_back(static_cast<int32_t>(i));
  off.push_back(static_cast<int32_t>(s.size()));
  return off;
}

size_t length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace gtrain::utf8
