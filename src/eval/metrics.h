// Entity-level evaluation metrics (torch-free): exact match on (start, end, label), swept over
// decoding thresholds, with counts that can be all-reduced across ranks, and the reports
// (eval_report.json, Markdown, plain text) built from them.
//
// Matching
//   A predicted entity is a true positive when a gold entity of the same example has the same
//   start, end (Unicode code points, end exclusive) and label. Anything else is a false positive,
//   and every gold entity left unmatched is a false negative; a partial overlap therefore costs one
//   FP *and* one FN, and so does a right span with the wrong label. Entity text is not compared.
//   Within one example both sides are sets: identical gold entities count once, and identical
//   predictions (same start, end, label) count once (the highest score is kept). Dropped duplicate
//   predictions are not scored but are counted per threshold ("duplicate_predictions" in the
//   report), so a decoder that emits duplicates is visible rather than silently rewarded or
//   punished. (Set semantics matches GLiNER's evaluator.)
//
// Labels
//   The accumulator is built with the full label list (e.g. every label of the evaluation set's
//   schemas). A gold entity or prediction whose label is not in the list is a caller bug: add()
//   throws std::invalid_argument. The label list fixes the layout of to_counts(), so every rank
//   must build its accumulator with the same labels and thresholds, in the same order.
//
// Scores (all computed from integer counts, as doubles)
//   precision = TP / (TP + FP), 0 when TP + FP == 0 (nothing predicted: undefined, reported as 0)
//   recall    = TP / (TP + FN), 0 when TP + FN == 0 (no gold: undefined, reported as 0)
//   F1        = 2TP / (2TP + FP + FN) (= 2PR / (P + R)), 0 when the denominator is 0
//   micro     = the same formulas on the counts summed over all labels
//   macro     = unweighted mean of the per-label precision / recall / F1 over the labels that are
//               *active* at that threshold: TP + FP + FN > 0, i.e. the label has gold entities or
//               predictions. Labels with neither are left out (they would add a meaningless 0);
//               a label with predictions but no gold is included (its F1 is 0: it hurts macro F1,
//               as a spurious label should). The active set can differ between thresholds; its
//               size is reported ("num_labels"). 0 when no label is active. Macro F1 is the mean
//               of per-label F1s, not the F1 of macro P and R.
//   support   = TP + FN = number of gold entities of the label.
//
// Thresholds
//   ThresholdSweep holds one set of counts per threshold (default 0.1, 0.2, ..., 0.6; strictly
//   increasing, each in [0, 1]). There are two ways to feed it, and both may be used on one
//   accumulator as long as every threshold sees every example's gold exactly once:
//
//   add(gold, preds)                   predictions decoded ONCE, at (or below) the lowest threshold,
//                                      with their scores; a prediction counts at threshold t when
//                                      score >= t (compared as float; NaN never counts). This is
//                                      cheap, and it is exact when the decoder is "keep spans with
//                                      score >= t, then greedily take them by descending score,
//                                      dropping those that overlap one already taken" with a
//                                      deterministic tie-break: the decisions about spans scoring
//                                      >= t depend only on spans scoring higher, so decoding at t
//                                      equals decoding low and filtering. It is an APPROXIMATION
//                                      otherwise: a cap on entities per example or per label
//                                      (top-k), non-greedy overlap resolution, per-label threshold
//                                      overrides (the sweep applies one threshold to all labels),
//                                      or any rule in which a low-scoring span changes what happens
//                                      to a higher one. span_decode's GLiNER2 decoding (count gate,
//                                      stable sort by score, greedy same-type overlap removal,
//                                      same-text dedupe against earlier kept spans) is of the exact
//                                      kind when no per-type thresholds are set.
//   add_at(i, gold, preds)             predictions decoded separately at thresholds[i]; all of them
//                                      count (the decoder already applied the threshold, so scores
//                                      are not looked at). Always exact; costs one decode per
//                                      threshold. Call it once per threshold for each example.
//
//   best_index() / best_threshold(): the threshold with the highest micro F1 (compared exactly,
//   as fractions of counts); ties go to the lower threshold.
//
// Distributed use
//   to_counts() is a flat int64 vector of counts_size() elements that are all plain sums, so
//   ranks can all-reduce it with SUM and rebuild with from_counts() (or add_counts()). Layout, for
//   each threshold i in order: [examples, duplicate_predictions, then for each label in order:
//   TP, FP, FN]. merge(other) adds another accumulator's counts (same labels and thresholds).
//
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/example.h"
#include "eval/entity.h"

namespace gtrain {


// Counts for one label (or summed over labels) at one threshold.
struct MatchCounts {
  int64_t tp = 0, fp = 0, fn = 0;  // true positives, false positives, false negatives
  int64_t support() const { return tp + fn; }
  bool active() const { return tp + fp + fn > 0; }
  MatchCounts& operator+=(const MatchCounts& o) {
    tp += o.tp;
    fp += o.fp;
    fn += o.fn;
    return *this;
  }
};

// Precision / recall / F1 from counts, with the "0 when undefined" rule above.
double precision_of(const MatchCounts& c);
double recall_of(const MatchCounts& c);
double f1_of(const MatchCounts& c);

// Single-threshold exact matching of one example (set semantics, see above); scores ignored.
// Labels outside `labels` are allowed here: they get their own entries, appended in order of
// first appearance. Returns per-label counts in the order of the (possibly extended) label list.
struct ExampleMatch {
  std::vector<std::string> labels;
  std::vector<MatchCounts> per_label;
  int64_t duplicate_predictions = 0;
  MatchCounts total() const;
};
ExampleMatch match_entities(const std::vector<Entity>& gold, const std::vector<DecodedEntity>& preds,
                            std::vector<std::string> labels = {});

// Scores of one label (or the micro / macro aggregate) at one threshold.
struct LabelScore {
  std::string label;
  MatchCounts counts;  // for macro: zeros (counts are not averaged)
  double precision = 0.0;
  double recall = 0.0;
  double f1 = 0.0;
};

struct ThresholdScores {
  float threshold = 0.0f;
  int64_t examples = 0;
  int64_t duplicate_predictions = 0;
  std::vector<LabelScore> per_label;  // accumulator label order
  LabelScore micro;                   // label "micro"
  LabelScore macro;                   // label "macro"; mean over active labels
  int64_t macro_num_labels = 0;       // number of active labels averaged
};

class ThresholdSweep {
 public:
  static std::vector<float> default_thresholds();  // 0.1, 0.2, ..., 0.6
  // `thresholds` (increasing) with t added in its place unless it is one of them already (within
  // 1e-6): a model's own threshold is always scored, in a sweep or not.
  static std::vector<float> with_threshold(std::vector<float> thresholds, float t);

  // Throws std::invalid_argument on an empty / duplicated / empty-named label, or thresholds that
  // are empty, not strictly increasing, or outside [0, 1].
  explicit ThresholdSweep(std::vector<std::string> labels,
                          std::vector<float> thresholds = default_thresholds());

  // One example, predictions decoded once with scores (see the header comment: exact for greedy
  // decoding, an approximation otherwise).
  void add(const std::vector<Entity>& gold, const std::vector<DecodedEntity>& preds);
  // One example at thresholds()[threshold_index], predictions decoded at that threshold.
  void add_at(size_t threshold_index, const std::vector<Entity>& gold,
              const std::vector<DecodedEntity>& preds);

  // Adds other's counts. Throws std::invalid_argument unless labels and thresholds are identical.
  void merge(const ThresholdSweep& other);

  size_t counts_size() const { return thresholds_.size() * (2 + 3 * labels_.size()); }
  std::vector<int64_t> to_counts() const;
  // Adds a counts vector (e.g. the all-reduced one) to this accumulator. Throws
  // std::invalid_argument on a size mismatch or a negative count.
  void add_counts(const std::vector<int64_t>& counts);
  static ThresholdSweep from_counts(std::vector<std::string> labels, std::vector<float> thresholds,
                                    const std::vector<int64_t>& counts);

  const std::vector<std::string>& labels() const { return labels_; }
  const std::vector<float>& thresholds() const { return thresholds_; }
  const MatchCounts& counts(size_t threshold_index, size_t label_index) const;
  int64_t examples(size_t threshold_index) const { return at(threshold_index).examples; }

  ThresholdScores scores(size_t threshold_index) const;
  std::vector<ThresholdScores> all_scores() const;
  size_t best_index() const;  // highest micro F1; ties -> lower threshold
  size_t best_macro_index() const;  // highest macro F1; ties -> lower threshold
  // The index of threshold t (within 1e-6); std::out_of_range when it is not swept.
  size_t index_of(float t) const;
  float best_threshold() const { return thresholds_[best_index()]; }

 private:
  struct PerThreshold {
    int64_t examples = 0;
    int64_t duplicate_predictions = 0;
    std::vector<MatchCounts> per_label;
  };
  struct Key;

  const PerThreshold& at(size_t i) const;
  int label_index(const std::string& label, const char* what) const;
  void add_impl(int threshold_index, const std::vector<Entity>& gold,
                const std::vector<DecodedEntity>& preds);

  std::vector<std::string> labels_;
  std::vector<float> thresholds_;
  std::vector<PerThreshold> per_threshold_;
};

// ---- reports -------------------------------------------------------------------------------------

// eval_report.json content:
// { "format": "gtrain.eval_report", "version": 1, "match": "exact(start,end,label)",
//   "labels": [...], "thresholds": [...],
//   "best": {"index", "threshold", "micro": {...}, "macro": {...}},
//   "sweep": [ {"threshold", "examples", "duplicate_predictions",
//               "micro": {"precision","recall","f1","tp","fp","fn","support"},
//               "macro": {"precision","recall","f1","num_labels"},
//               "per_label": [ {"label","precision","recall","f1","tp","fp","fn","support"} ] } ],
//   "meta": <meta, only when not null> }
// Thresholds are written as their shortest decimal (0.3, not 0.30000001192092896).
nlohmann::json eval_report_json(const ThresholdSweep& sweep,
                                const nlohmann::json& meta = nlohmann::json());

// Markdown: the per-label table at the best threshold (label | P | R | F1 | TP | FP | FN |
// support, then a micro row and a macro row) and the sweep table (threshold | micro P | micro R |
// micro F1 | macro F1, best row marked). Scores with 4 decimals; '|' in labels escaped.
std::string markdown_best_table(const ThresholdSweep& sweep);
std::string markdown_sweep_table(const ThresholdSweep& sweep);
std::string markdown_report(const ThresholdSweep& sweep);  // both, with headings

// The same two tables as aligned plain text for the terminal (Hangul counts as two columns).
std::string text_report(const ThresholdSweep& sweep);

// Written to path + ".tmp.<pid>", fsync'ed, renamed over path (atomic); throws std::runtime_error.
void write_eval_report(const std::string& path, const ThresholdSweep& sweep,
                       const nlohmann::json& meta = nlohmann::json());

// "0.1234": the 4 decimals of every report table.
std::string fixed4(double x);

}  // namespace gtrain
