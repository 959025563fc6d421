#include "data/windows.h"

#include <algorithm>

#include "text/utf8.h"

namespace gtrain {

std::vector<std::pair<int32_t, int32_t>> unit_windows(const Units& u, int max_length, int stride, bool truncate) {
  std::vector<std::pair<int32_t, int32_t>> w;
  const int32_t n = static_cast<int32_t>(u.size());
  const int32_t ntok = static_cast<int32_t>(u.token_ids.size());
  auto tok_begin = [&](int32_t i) { return i < n ? u.unit_token[i] : ntok; };
  int32_t first = 0;
  while (first < n) {
    int32_t last = first;
    while (last < n && tok_begin(last + 1) - tok_begin(first) <= max_length) ++last;
    if (last == first) last = first + 1;  // one unit longer than max_length: keep it, cut tokens
    w.emplace_back(first, last);
    if (last >= n || truncate) break;
    first = std::max(first + 1, last - stride);
  }
  return w;
}

PreparedExample window_row(const Units& u, const std::vector<char32_t>& cps, int32_t a, int32_t b, int max_length) {
  PreparedExample p;
  const int32_t ntok = static_cast<int32_t>(u.token_ids.size());
  const int32_t t0 = u.unit_token[a];
  const int32_t t1 = std::min(b < static_cast<int32_t>(u.size()) ? u.unit_token[b] : ntok, t0 + max_length);
  p.token_ids.assign(u.token_ids.begin() + t0, u.token_ids.begin() + t1);
  const int32_t c0 = u.char_start[a];
  for (int32_t k = a; k < b; ++k) {
    p.unit_token.push_back(u.unit_token[k] - t0);
    p.unit_char_start.push_back(u.char_start[k] - c0);
    p.unit_char_end.push_back(u.char_end[k] - c0);
  }
  p.text = utf8::encode(cps, c0, u.char_end[b - 1]);
  p.text_char_offset = c0;
  return p;
}

}  // namespace gtrain
