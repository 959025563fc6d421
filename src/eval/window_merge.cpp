#include "eval/window_merge.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <tuple>

namespace gtrain {

std::vector<DecodedEntity> merge_windows(const std::vector<WindowEntities>& windows) {
  if (windows.empty()) return {};
  int32_t doc_begin = windows[0].char_begin, doc_end = windows[0].char_end;
  for (const auto& w : windows) {
    doc_begin = std::min(doc_begin, w.char_begin);
    doc_end = std::max(doc_end, w.char_end);
  }
  // 1 + 2: interior entities in document offsets, one per (start, end, label), highest score.
  std::map<std::tuple<int32_t, int32_t, std::string>, DecodedEntity> best;
  for (const auto& w : windows) {
    for (const DecodedEntity& e : w.entities) {
      DecodedEntity d = e;
      d.start += w.char_begin;
      d.end += w.char_begin;
      if (d.end > w.char_end) continue;  // 0: on the appended period
      const bool cut_left = d.start <= w.char_begin && w.char_begin > doc_begin;
      const bool cut_right = d.end >= w.char_end && w.char_end < doc_end;
      if (cut_left || cut_right) continue;
      auto key = std::make_tuple(d.start, d.end, d.label);
      auto it = best.find(key);
      if (it == best.end()) best.emplace(std::move(key), std::move(d));
      else if (d.score > it->second.score) it->second = std::move(d);
    }
  }
  // 3: greedy non-overlap per label by descending score (stable on document order for ties).
  std::vector<DecodedEntity> all;
  all.reserve(best.size());
  for (auto& kv : best) all.push_back(std::move(kv.second));
  std::stable_sort(all.begin(), all.end(), [](const DecodedEntity& a, const DecodedEntity& b) { return a.score > b.score; });
  // Kept spans of one label never overlap, so a map start -> end answers "does [s, e) overlap
  // one?" from the two neighbours of s (a long document holds thousands of entities).
  std::map<std::string, std::map<int32_t, int32_t>> kept_by_label;
  std::vector<DecodedEntity> out;
  for (DecodedEntity& e : all) {
    auto& kept = kept_by_label[e.label];
    auto next = kept.lower_bound(e.start);
    if (next != kept.end() && next->first < e.end) continue;
    if (next != kept.begin() && std::prev(next)->second > e.start) continue;
    kept.emplace(e.start, e.end);
    out.push_back(std::move(e));
  }
  std::sort(out.begin(), out.end(), [](const DecodedEntity& a, const DecodedEntity& b) {
    return std::tie(a.start, a.end, a.label) < std::tie(b.start, b.end, b.label);
  });
  return out;
}

}  // namespace gtrain
