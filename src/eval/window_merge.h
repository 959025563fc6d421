// A document cut into overlapping windows, back to one document (issue 13): the entities each
// window decoded, in document offsets, merged so that every entity is reported once.
//
// Rule, shared by `gtrain eval`/training's dev evaluation and `gtrain predict`:
//   0. a window's entity that ends past its text (on the period GLiNER2 appends to a text without
//      one) is no part of the document: dropped;
//   1. a window's entity that touches one of its cut edges (its start is the window's start and
//      the window is not the document's first, or its end is the window's end and the window is
//      not the last) may be truncated: it is dropped there; the neighbouring window, where the
//      same span lies inside, reports it;
//   2. the same (start, end, label) from several windows is one entity with the highest score;
//   3. per label, spans are kept greedily by descending score when they do not overlap one kept
//      before (what GLiNER2's decoder does inside one window), so two windows' different answers
//      for the same characters resolve as one window would.
// Output is sorted by (start, end, label). Torch-free.
#pragma once
#include <cstdint>
#include <vector>

#include "eval/span_decode.h"

namespace gtrain {

struct WindowEntities {
  int32_t char_begin = 0;  // the window's text in document code points: [char_begin, char_end)
  int32_t char_end = 0;
  std::vector<DecodedEntity> entities;  // start/end relative to char_begin
};

std::vector<DecodedEntity> merge_windows(const std::vector<WindowEntities>& windows);

}  // namespace gtrain
