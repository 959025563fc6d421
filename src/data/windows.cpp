#include "data/windows.h"

#include <algorithm>

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

}  // namespace gtrain
