// Long texts are cut into overlapping windows of whole units, each at most max_length tokens:
// prepare cuts training/eval rows this way, and predict cuts a text of any length the same way
// (with the max_length and stride stored beside the model), so a model sees at inference exactly
// the kind of window it was trained on.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "data/prepared.h"
#include "data/units.h"

namespace gtrain {

// [first_unit, end_unit) pairs; consecutive windows share `stride` units; truncate = only the
// first window. A single unit longer than max_length forms a window of its own (its tokens are cut).
std::vector<std::pair<int32_t, int32_t>> unit_windows(const Units& u, int max_length, int stride, bool truncate);

// Units [a, b) of a text (its code points cps) as a prepared row: tokens (at most max_length),
// unit offsets and text relative to the window, text_char_offset = where it starts. Spans and the
// per-example fields are the caller's.
PreparedExample window_row(const Units& u, const std::vector<char32_t>& cps, int32_t a, int32_t b, int max_length);

}  // namespace gtrain
