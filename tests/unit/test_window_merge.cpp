// Windows of one document back to one document (issue 13): each entity once, in document
// offsets, from a window where it is not cut.
#include <gtest/gtest.h>

#include "eval/window_merge.h"

using namespace gtrain;

namespace {
DecodedEntity ent(int32_t s, int32_t e, const std::string& label, float score) {
  DecodedEntity d;
  d.start = s;
  d.end = e;
  d.label = label;
  d.score = score;
  return d;
}
std::vector<std::tuple<int32_t, int32_t, std::string, float>> flat(const std::vector<DecodedEntity>& v) {
  std::vector<std::tuple<int32_t, int32_t, std::string, float>> out;
  for (const auto& e : v) out.emplace_back(e.start, e.end, e.label, e.score);
  return out;
}
using T = std::tuple<int32_t, int32_t, std::string, float>;
}  // namespace

TEST(WindowMerge, EntityInTheOverlapCountsOnceWithItsHighestScore) {
  // Document [0, 100); windows [0, 60) and [40, 100). An entity at [45, 50) is seen by both.
  std::vector<WindowEntities> w = {{0, 60, {ent(45, 50, "Drug", 0.7f), ent(2, 5, "Disease", 0.9f)}},
                                   {40, 100, {ent(5, 10, "Drug", 0.8f), ent(50, 60, "Disease", 0.6f)}}};
  EXPECT_EQ(flat(merge_windows(w)),
            (std::vector<T>{{2, 5, "Disease", 0.9f}, {45, 50, "Drug", 0.8f}, {90, 100, "Disease", 0.6f}}));
}

TEST(WindowMerge, SpanTouchingACutEdgeComesFromTheWindowWhereItIsInside) {
  // The first window ends at 60 and sees only [55, 60) of the entity [55, 63); the second window
  // (from 40) sees all of it. Touching the document's own start or end is not a cut.
  std::vector<WindowEntities> w = {{0, 60, {ent(0, 3, "Disease", 0.9f), ent(55, 60, "Drug", 0.95f)}},
                                   {40, 100, {ent(15, 23, "Drug", 0.6f), ent(57, 60, "Disease", 0.8f)}}};
  EXPECT_EQ(flat(merge_windows(w)),
            (std::vector<T>{{0, 3, "Disease", 0.9f}, {55, 63, "Drug", 0.6f}, {97, 100, "Disease", 0.8f}}));
  // A span at a window's left cut edge is dropped there too.
  std::vector<WindowEntities> l = {{0, 60, {}}, {40, 100, {ent(0, 4, "Drug", 0.9f)}}};
  EXPECT_TRUE(merge_windows(l).empty());
}

TEST(WindowMerge, DisagreeingWindowsResolveLikeOneWindow) {
  // Same label, overlapping different spans from two windows: the higher score wins, as GLiNER2's
  // greedy decoder would choose inside one window. Another label may overlap freely.
  std::vector<WindowEntities> w = {{0, 60, {ent(44, 50, "Drug", 0.7f), ent(44, 50, "Chem", 0.5f)}},
                                   {40, 100, {ent(6, 12, "Drug", 0.9f)}}};
  EXPECT_EQ(flat(merge_windows(w)), (std::vector<T>{{44, 50, "Chem", 0.5f}, {46, 52, "Drug", 0.9f}}));
  // One window alone: unchanged.
  std::vector<WindowEntities> one = {{0, 30, {ent(3, 5, "Drug", 0.7f), ent(0, 2, "Drug", 0.6f)}}};
  EXPECT_EQ(flat(merge_windows(one)), (std::vector<T>{{0, 2, "Drug", 0.6f}, {3, 5, "Drug", 0.7f}}));
  EXPECT_TRUE(merge_windows({}).empty());
}

TEST(WindowMerge, SpanOnTheAppendedPeriodIsNoPartOfTheDocument) {
  // GLiNER2 appends "." to a text without one; the decoder may score a span ending on it, one
  // past the window's text. In the last window (or the only one) it is not cut, but it is no part
  // of the text given: dropped, in predict and in evaluation alike.
  std::vector<WindowEntities> one = {{0, 7, {ent(0, 4, "Drug", 0.9f), ent(7, 8, "Biomarker", 0.2f), ent(5, 8, "Drug", 0.1f)}}};
  EXPECT_EQ(flat(merge_windows(one)), (std::vector<T>{{0, 4, "Drug", 0.9f}}));
  std::vector<WindowEntities> two = {{0, 60, {}}, {40, 100, {ent(58, 61, "Drug", 0.9f), ent(50, 60, "Disease", 0.6f)}}};
  EXPECT_EQ(flat(merge_windows(two)), (std::vector<T>{{90, 100, "Disease", 0.6f}}));
}
