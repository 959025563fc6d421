// `gtrain data inspect`: what a dataset holds and how well each span-unit mode can represent it.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "data/example.h"
#include "data/reader.h"
#include "data/units.h"

namespace gtrain {

struct UnitModeStats {
  UnitMode mode;
  int64_t entities = 0;
  int64_t representable = 0;  // boundaries on units and width <= max_span_width
  int64_t unaligned = 0;
  int64_t too_wide = 0;
  int64_t units = 0;
  int64_t tokens = 0;         // 0 when no tokenizer was given
  std::vector<std::string> misses;  // "text ⟦entity⟧ text [unaligned|too-wide]", first few only
  std::vector<int64_t> width_counts;  // [w] = aligned entities w units wide (any width)
  double coverage() const { return entities ? double(representable) / entities : 1.0; }
  // The smallest max_span_width that reaches `share` of all entities (unaligned ones count as
  // unreachable at any width); 0 when no width does.
  int recommended_width(double share = 0.995) const;
};

struct InspectReport {
  int64_t examples = 0;
  int64_t entities = 0;
  int64_t chars = 0;
  std::map<std::string, int64_t> label_counts;
  std::vector<int64_t> length_histogram;  // chars, bucket width 20
  std::vector<UnitModeStats> modes;
};

// Candidate spans the model scores per example at max span width w (units x w, as GLiNER2's
// span matrix): the cost side of a width recommendation.
inline double spans_per_example(const UnitModeStats& s, int64_t examples, int w) {
  return examples ? double(s.units) * w / double(examples) : 0.0;
}

InspectReport inspect_examples(std::vector<Example>& examples, const Tokenizer* tok,
                               int max_span_width, int keep_misses = 0);

// How a GLiNER2 file's mentions were located and what was dropped ("" when it lists none).
std::string format_mention_report(const MentionReport& m);

// A reader's warnings (BIO tags that continue no entity, each starting one): a count and the
// first `show` of them, one per line; "" when there are none.
std::string format_read_warnings(const std::vector<std::string>& warnings, size_t show = 3);

// Prints the report as plain text tables (the format docs/data-format.md quotes).
std::string format_inspect_report(const InspectReport& r, int max_span_width);
// The kept misses of every mode, with the unit boundaries of each shown as '|'.
std::string format_inspect_misses(const InspectReport& r);

}  // namespace gtrain
