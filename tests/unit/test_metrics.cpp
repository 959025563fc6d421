// Entity metrics: exact match, threshold sweep, counts for all-reduce, reports. Expected values
// are computed by hand in the comments.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "eval/metrics.h"
#include "support/file_bytes.h"

using namespace gtrain;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kLabels = {"Disease", "Drug", "Procedure"};

Entity G(int64_t s, int64_t e, const std::string& l) { return Entity{s, e, l}; }
DecodedEntity P(int64_t s, int64_t e, const std::string& l, float score = 0.9f) {
  DecodedEntity p;
  p.start = static_cast<int32_t>(s);
  p.end = static_cast<int32_t>(e);
  p.label = l;
  p.score = score;
  return p;
}

void expect_counts(const MatchCounts& c, int64_t tp, int64_t fp, int64_t fn) {
  EXPECT_EQ(c.tp, tp);
  EXPECT_EQ(c.fp, fp);
  EXPECT_EQ(c.fn, fn);
}

void expect_prf(const LabelScore& s, double precision, double recall, double f1) {
  EXPECT_DOUBLE_EQ(s.precision, precision);
  EXPECT_DOUBLE_EQ(s.recall, recall);
  EXPECT_DOUBLE_EQ(s.f1, f1);
}

// Gold: Disease A[0,2) C[6,8), Drug B[3,5).
// Predictions: A .95 (TP), B .45 (TP), C .25 (TP), Disease[10,12) .35 (FP), Drug[13,15) .15 (FP).
//   t=0.1: TP3 FP2 FN0 -> micro F1 6/8 = 0.75
//   t=0.2: TP3 FP1 FN0 -> 6/7 = 0.857     <- best
//   t=0.3: TP2 FP1 FN1 -> 4/6 = 0.667
//   t=0.4: TP2 FP0 FN1 -> 4/5 = 0.8
//   t=0.5: TP1 FP0 FN2 -> 2/4 = 0.5, t=0.6: the same
void add_sweep_example(ThresholdSweep* s) {
  s->add({G(0, 2, "Disease"), G(3, 5, "Drug"), G(6, 8, "Disease")},
         {P(0, 2, "Disease", 0.95f), P(3, 5, "Drug", 0.45f), P(6, 8, "Disease", 0.25f),
          P(10, 12, "Disease", 0.35f), P(13, 15, "Drug", 0.15f)});
}

// Columns of a UTF-8 string for the test strings used here (Hangul syllables are 2 wide).
size_t columns(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++w;
      ++i;
    } else if ((c & 0xF0) == 0xE0) {  // all 3-byte code points here are Hangul
      w += 2;
      i += 3;
    } else {
      ++w;
      i += (c & 0xE0) == 0xC0 ? 2 : 4;
    }
  }
  return w;
}

}  // namespace

// ---- single-example matching ----------------------------------------------------------------------

TEST(Metrics, ExactMatchVsPartialOverlap) {
  // [0,3) Disease exact -> TP; gold Drug [5,8) vs predicted [5,7): FP and FN for Drug.
  ThresholdSweep s(kLabels, {0.5f});
  s.add({G(0, 3, "Disease"), G(5, 8, "Drug")}, {P(0, 3, "Disease"), P(5, 7, "Drug")});
  expect_counts(s.counts(0, 0), 1, 0, 0);
  expect_counts(s.counts(0, 1), 0, 1, 1);
  expect_counts(s.counts(0, 2), 0, 0, 0);
  const ThresholdScores sc = s.scores(0);
  expect_counts(sc.micro.counts, 1, 1, 1);
  expect_prf(sc.micro, 0.5, 0.5, 0.5);
  // Macro over Disease (F1 1) and Drug (F1 0); Procedure has no gold and no predictions.
  EXPECT_EQ(sc.macro_num_labels, 2);
  expect_prf(sc.macro, 0.5, 0.5, 0.5);
  EXPECT_EQ(sc.examples, 1);
}

TEST(Metrics, SpanContainingGoldIsNotAMatch) {
  ThresholdSweep s(kLabels, {0.5f});
  s.add({G(2, 4, "Disease")}, {P(1, 5, "Disease")});
  expect_counts(s.counts(0, 0), 0, 1, 1);
  EXPECT_DOUBLE_EQ(s.scores(0).micro.f1, 0.0);
}

TEST(Metrics, WrongLabelIsFalsePositiveAndFalseNegative) {
  ThresholdSweep s(kLabels, {0.5f});
  s.add({G(0, 3, "Disease")}, {P(0, 3, "Drug")});
  expect_counts(s.counts(0, 0), 0, 0, 1);  // Disease: missed
  expect_counts(s.counts(0, 1), 0, 1, 0);  // Drug: spurious
  const ThresholdScores sc = s.scores(0);
  expect_counts(sc.micro.counts, 0, 1, 1);
  EXPECT_DOUBLE_EQ(sc.micro.f1, 0.0);
  EXPECT_EQ(sc.macro_num_labels, 2);
  EXPECT_DOUBLE_EQ(sc.macro.f1, 0.0);
}

TEST(Metrics, DuplicatePredictionsCountOnceAndAreReported) {
  // Three copies of the gold span (0.9, 0.9, 0.15) and two copies of a spurious Drug span (0.8).
  ThresholdSweep s(kLabels, {0.1f, 0.5f});
  s.add({G(0, 3, "Disease")}, {P(0, 3, "Disease", 0.9f), P(0, 3, "Disease", 0.15f),
                               P(10, 12, "Drug", 0.8f), P(0, 3, "Disease", 0.9f),
                               P(10, 12, "Drug", 0.8f)});
  for (size_t t = 0; t < 2; ++t) {
    expect_counts(s.counts(t, 0), 1, 0, 0);
    expect_counts(s.counts(t, 1), 0, 1, 0);
  }
  EXPECT_EQ(s.scores(0).duplicate_predictions, 3);  // 2 extra Disease + 1 extra Drug
  EXPECT_EQ(s.scores(1).duplicate_predictions, 2);  // the 0.15 copy is below 0.5
  // Duplicate gold entities count once too.
  ThresholdSweep g(kLabels, {0.5f});
  g.add({G(0, 3, "Disease"), G(0, 3, "Disease")}, {});
  expect_counts(g.counts(0, 0), 0, 0, 1);
}

TEST(Metrics, LabelsWithoutGoldAndUnknownLabels) {
  ThresholdSweep s(kLabels, {0.5f});
  // Disease: TP1. Drug: predicted, never gold -> FP1, F1 0, in macro. Procedure: nothing -> out.
  s.add({G(0, 3, "Disease")}, {P(0, 3, "Disease"), P(4, 6, "Drug")});
  const ThresholdScores sc = s.scores(0);
  ASSERT_EQ(sc.per_label.size(), 3u);
  EXPECT_EQ(sc.per_label[1].label, "Drug");
  EXPECT_DOUBLE_EQ(sc.per_label[1].precision, 0.0);
  EXPECT_DOUBLE_EQ(sc.per_label[1].recall, 0.0);  // undefined (no gold) -> 0
  EXPECT_EQ(sc.per_label[1].counts.support(), 0);
  EXPECT_EQ(sc.per_label[2].label, "Procedure");
  EXPECT_DOUBLE_EQ(sc.per_label[2].f1, 0.0);
  EXPECT_EQ(sc.macro_num_labels, 2);
  expect_prf(sc.macro, 0.5, 0.5, 0.5);  // each (1 + 0) / 2, Procedure excluded
  EXPECT_DOUBLE_EQ(sc.micro.precision, 0.5);
  EXPECT_DOUBLE_EQ(sc.micro.recall, 1.0);
  EXPECT_NEAR(sc.micro.f1, 2.0 / 3.0, 1e-12);
  // A label outside the list is a caller bug.
  EXPECT_THROW(s.add({G(0, 1, "Gene")}, {}), std::invalid_argument);
  EXPECT_THROW(s.add({}, {P(0, 1, "Gene")}), std::invalid_argument);
  EXPECT_EQ(s.examples(0), 1);  // the rejected calls added nothing
}

TEST(Metrics, EmptyGoldAndPredictions) {
  ThresholdSweep s(kLabels);
  s.add({}, {});
  s.add({}, {});
  ASSERT_EQ(s.thresholds().size(), 6u);
  for (size_t t = 0; t < 6; ++t) {
    const ThresholdScores sc = s.scores(t);
    EXPECT_EQ(sc.examples, 2);
    expect_counts(sc.micro.counts, 0, 0, 0);
    expect_prf(sc.micro, 0.0, 0.0, 0.0);
    EXPECT_EQ(sc.macro_num_labels, 0);
    EXPECT_DOUBLE_EQ(sc.macro.f1, 0.0);
  }
  EXPECT_EQ(s.best_index(), 0u);
  // Only predictions: P = 0 (TP 0 of 1), R undefined -> 0. Only gold: P undefined -> 0, R = 0.
  ThresholdSweep p(kLabels, {0.5f});
  p.add({}, {P(0, 1, "Drug")});
  EXPECT_DOUBLE_EQ(p.scores(0).micro.precision, 0.0);
  EXPECT_DOUBLE_EQ(p.scores(0).micro.recall, 0.0);
  ThresholdSweep g(kLabels, {0.5f});
  g.add({G(0, 1, "Drug")}, {});
  EXPECT_DOUBLE_EQ(g.scores(0).micro.precision, 0.0);
  EXPECT_DOUBLE_EQ(g.scores(0).micro.recall, 0.0);
  expect_counts(g.scores(0).micro.counts, 0, 0, 1);
}

TEST(Metrics, MatchEntitiesHelper) {
  const ExampleMatch m = match_entities({G(0, 3, "Disease"), G(5, 8, "Drug")},
                                        {P(0, 3, "Disease"), P(5, 7, "Drug"), P(5, 7, "Drug"),
                                         P(9, 10, "Gene")},
                                        {"Disease"});
  ASSERT_EQ(m.labels, (std::vector<std::string>{"Disease", "Drug", "Gene"}));
  expect_counts(m.per_label[0], 1, 0, 0);
  expect_counts(m.per_label[1], 0, 1, 1);
  expect_counts(m.per_label[2], 0, 1, 0);
  expect_counts(m.total(), 1, 2, 1);
  EXPECT_EQ(m.duplicate_predictions, 1);
}

// ---- thresholds -------------------------------------------------------------------------------------

TEST(ThresholdSweep, FiltersByScoreAndPicksBestMicroF1) {
  ThresholdSweep s(kLabels);
  add_sweep_example(&s);
  const std::vector<std::array<int64_t, 3>> want = {
      {3, 2, 0}, {3, 1, 0}, {2, 1, 1}, {2, 0, 1}, {1, 0, 2}, {1, 0, 2}};
  const std::vector<double> f1 = {0.75, 6.0 / 7.0, 4.0 / 6.0, 0.8, 0.5, 0.5};
  for (size_t t = 0; t < 6; ++t) {
    SCOPED_TRACE(t);
    const ThresholdScores sc = s.scores(t);
    expect_counts(sc.micro.counts, want[t][0], want[t][1], want[t][2]);
    EXPECT_NEAR(sc.micro.f1, f1[t], 1e-12);
  }
  EXPECT_EQ(s.best_index(), 1u);
  EXPECT_FLOAT_EQ(s.best_threshold(), 0.2f);
  // Per label at 0.2: Disease TP2 FP1 FN0 (P 2/3, F1 0.8), Drug TP1 (the 0.15 FP is filtered).
  expect_counts(s.counts(1, 0), 2, 1, 0);
  expect_counts(s.counts(1, 1), 1, 0, 0);
  EXPECT_NEAR(s.scores(1).macro.f1, 0.9, 1e-12);  // (0.8 + 1) / 2
  EXPECT_NEAR(s.scores(0).macro.f1, (0.8 + 2.0 / 3.0) / 2, 1e-12);
}

// Macro-F1 has its own best threshold (early_stopping.metric: macro_f1 keeps it): here a rare label
// found only at 0.1 makes 0.1 best for macro-F1 while micro-F1 is best at 0.5.
TEST(ThresholdSweep, BestMacroThresholdIsMacroF1s) {
  ThresholdSweep s(kLabels, {0.1f, 0.5f});
  s.add({G(0, 1, "Disease"), G(2, 3, "Disease"), G(4, 5, "Disease"), G(6, 7, "Disease"), G(8, 9, "Drug")},
        {P(0, 1, "Disease", 0.9f), P(2, 3, "Disease", 0.9f), P(4, 5, "Disease", 0.9f), P(6, 7, "Disease", 0.9f),
         P(10, 11, "Disease", 0.2f), P(12, 13, "Disease", 0.2f), P(14, 15, "Disease", 0.2f), P(8, 9, "Drug", 0.3f)});
  EXPECT_NEAR(s.scores(0).micro.f1, 10.0 / 13.0, 1e-12);
  EXPECT_NEAR(s.scores(1).micro.f1, 8.0 / 9.0, 1e-12);
  EXPECT_NEAR(s.scores(0).macro.f1, (8.0 / 11.0 + 1.0) / 2, 1e-12);
  EXPECT_NEAR(s.scores(1).macro.f1, 0.5, 1e-12);
  EXPECT_EQ(s.best_index(), 1u);
  EXPECT_EQ(s.best_macro_index(), 0u);
}

TEST(ThresholdSweep, ScoreEqualToThresholdCounts) {
  ThresholdSweep s(kLabels, {0.3f, 0.5f});
  s.add({G(0, 1, "Drug")}, {P(0, 1, "Drug", 0.3f), P(2, 3, "Drug", std::nanf(""))});
  expect_counts(s.counts(0, 1), 1, 0, 0);  // 0.3 >= 0.3; NaN never counts
  expect_counts(s.counts(1, 1), 0, 0, 1);
}

TEST(ThresholdSweep, TiesGoToTheLowerThreshold) {
  // Gold A, B. Predictions: A .9, B .15, X .15, Y .15.
  //   t=0.1: TP2 FP2 FN0 -> 4/8 = 0.5;  t>=0.2: TP1 FP0 FN1 -> 2/4 = 0.5. All tied -> 0.1.
  ThresholdSweep s(kLabels);
  s.add({G(0, 1, "Disease"), G(2, 3, "Disease")},
        {P(0, 1, "Disease", 0.9f), P(2, 3, "Disease", 0.15f), P(4, 5, "Disease", 0.15f),
         P(6, 7, "Drug", 0.15f)});
  expect_counts(s.scores(0).micro.counts, 2, 2, 0);
  expect_counts(s.scores(1).micro.counts, 1, 0, 1);
  EXPECT_EQ(s.best_index(), 0u);
  // Ties later in the list: thresholds where F1 rises then stays flat keep the first maximum.
  ThresholdSweep u(kLabels, {0.1f, 0.2f, 0.3f});
  u.add({G(0, 1, "Disease")}, {P(0, 1, "Disease", 0.9f), P(4, 5, "Drug", 0.15f)});
  EXPECT_DOUBLE_EQ(u.scores(0).micro.f1, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(u.scores(1).micro.f1, 1.0);
  EXPECT_DOUBLE_EQ(u.scores(2).micro.f1, 1.0);
  EXPECT_EQ(u.best_index(), 1u);
}

TEST(ThresholdSweep, AddAtUsesPredictionsAsDecodedAtEachThreshold) {
  ThresholdSweep s(kLabels, {0.2f, 0.5f});
  const std::vector<Entity> gold = {G(0, 2, "Disease"), G(3, 5, "Drug")};
  // At 0.2 the decoder keeps a long span that overlap removal drops at 0.5 in favour of two
  // exact ones; scores are not looked at by add_at (0.1 < 0.2 still counts).
  s.add_at(0, gold, {P(0, 5, "Disease", 0.1f)});
  s.add_at(1, gold, {P(0, 2, "Disease", 0.6f), P(3, 5, "Drug", 0.55f)});
  expect_counts(s.scores(0).micro.counts, 0, 1, 2);
  expect_counts(s.scores(1).micro.counts, 2, 0, 0);
  EXPECT_EQ(s.examples(0), 1);
  EXPECT_EQ(s.examples(1), 1);
  EXPECT_EQ(s.best_index(), 1u);
  EXPECT_THROW(s.add_at(2, gold, {}), std::out_of_range);
  // add() on the same accumulator adds to every threshold.
  s.add({G(0, 1, "Drug")}, {P(0, 1, "Drug", 0.3f)});
  expect_counts(s.scores(0).micro.counts, 1, 1, 2);
  expect_counts(s.scores(1).micro.counts, 2, 0, 1);
  EXPECT_EQ(s.examples(0), 2);
}

TEST(ThresholdSweep, AcceptsDecodedEntitiesWithAllTheirMembers) {
  // What span_decode produces: int32 offsets plus text, label index and word span (ignored here).
  auto decoded = [](const std::string& label, int32_t index, float score) {
    DecodedEntity d;
    d.text = "ab";
    d.label = label;
    d.label_index = index;
    d.start = 0;
    d.end = 2;
    d.start_word = 0;
    d.end_word = 1;
    d.score = score;
    return d;
  };
  ThresholdSweep s(kLabels, {0.2f, 0.5f});
  s.add({G(0, 2, "Disease")}, {decoded("Disease", 0, 0.3f)});
  s.add_at(1, {G(0, 2, "Drug")}, {decoded("Drug", 1, 0.9f)});
  expect_counts(s.counts(0, 0), 1, 0, 0);
  expect_counts(s.counts(1, 0), 0, 0, 1);
  expect_counts(s.counts(1, 1), 1, 0, 0);
}

TEST(ThresholdSweep, ConstructorValidates) {
  EXPECT_THROW(ThresholdSweep({}, {0.5f}), std::invalid_argument);
  EXPECT_THROW(ThresholdSweep({"A", "A"}, {0.5f}), std::invalid_argument);
  EXPECT_THROW(ThresholdSweep({"A", ""}, {0.5f}), std::invalid_argument);
  EXPECT_THROW(ThresholdSweep({"A"}, {}), std::invalid_argument);
  EXPECT_THROW(ThresholdSweep({"A"}, {0.5f, 0.5f}), std::invalid_argument);
  EXPECT_THROW(ThresholdSweep({"A"}, {0.5f, 0.4f}), std::invalid_argument);
  EXPECT_THROW(ThresholdSweep({"A"}, {1.5f}), std::invalid_argument);
  EXPECT_THROW(ThresholdSweep({"A"}, {std::nanf("")}), std::invalid_argument);
  EXPECT_EQ(ThresholdSweep::default_thresholds(),
            (std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}));
}

// ---- counts for all-reduce ------------------------------------------------------------------------

TEST(ThresholdSweep, CountsRoundTripAndMergeEqualsOneAccumulator) {
  ThresholdSweep all(kLabels), rank0(kLabels), rank1(kLabels);
  add_sweep_example(&all);
  add_sweep_example(&rank0);
  const std::vector<Entity> g2 = {G(1, 4, "Procedure"), G(5, 6, "Drug")};
  const std::vector<DecodedEntity> p2 = {P(1, 4, "Procedure", 0.55f), P(5, 6, "Disease", 0.7f),
                                        P(5, 6, "Drug", 0.12f)};
  all.add(g2, p2);
  rank1.add(g2, p2);
  all.add({}, {});
  rank1.add({}, {});

  const std::vector<int64_t> c0 = rank0.to_counts();
  ASSERT_EQ(c0.size(), rank0.counts_size());
  ASSERT_EQ(c0.size(), 6u * (2 + 3 * 3));
  // Layout: [examples, duplicates, (TP, FP, FN) per label] per threshold. At 0.2 (offset 11):
  EXPECT_EQ((std::vector<int64_t>(c0.begin() + 11, c0.begin() + 22)),
            (std::vector<int64_t>{1, 0, 2, 1, 0, 1, 0, 0, 0, 0, 0}));

  // Round trip.
  const ThresholdSweep back = ThresholdSweep::from_counts(kLabels, ThresholdSweep::default_thresholds(), c0);
  EXPECT_EQ(back.to_counts(), c0);

  // merge() == one accumulator over all examples.
  ThresholdSweep merged = rank0;
  merged.merge(rank1);
  EXPECT_EQ(merged.to_counts(), all.to_counts());
  EXPECT_EQ(merged.best_index(), all.best_index());
  EXPECT_EQ(eval_report_json(merged).dump(), eval_report_json(all).dump());

  // Simulated SUM all-reduce of the flat vectors, then from_counts.
  std::vector<int64_t> sum = rank0.to_counts();
  const std::vector<int64_t> c1 = rank1.to_counts();
  for (size_t i = 0; i < sum.size(); ++i) sum[i] += c1[i];
  EXPECT_EQ(ThresholdSweep::from_counts(kLabels, ThresholdSweep::default_thresholds(), sum).to_counts(),
            all.to_counts());
  EXPECT_EQ(all.examples(0), 3);

  // Mismatches are refused.
  EXPECT_THROW(ThresholdSweep::from_counts(kLabels, {0.5f}, c0), std::invalid_argument);
  std::vector<int64_t> neg = c0;
  neg[0] = -1;
  EXPECT_THROW(ThresholdSweep::from_counts(kLabels, ThresholdSweep::default_thresholds(), neg),
               std::invalid_argument);
  ThresholdSweep other({"Disease", "Drug"});
  EXPECT_THROW(merged.merge(other), std::invalid_argument);
  ThresholdSweep other_t(kLabels, {0.5f});
  EXPECT_THROW(merged.merge(other_t), std::invalid_argument);
}

// ---- reports ----------------------------------------------------------------------------------------

TEST(MetricsReport, JsonFields) {
  ThresholdSweep s(kLabels);
  add_sweep_example(&s);
  const nlohmann::json j = eval_report_json(s, {{"split", "dev"}, {"step", 1200}});
  EXPECT_EQ(j["format"], "gtrain.eval_report");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["labels"], nlohmann::json(kLabels));
  ASSERT_EQ(j["thresholds"].size(), 6u);
  EXPECT_EQ(j["thresholds"][2].get<double>(), 0.3);  // shortest decimal, not 0.30000001192...
  EXPECT_EQ(j["best"]["index"], 1);
  EXPECT_EQ(j["best"]["threshold"].get<double>(), 0.2);
  EXPECT_EQ(j["best"]["selected_by"], "micro_f1");
  EXPECT_NEAR(j["best"]["micro"]["f1"].get<double>(), 6.0 / 7.0, 1e-12);
  EXPECT_NEAR(j["best"]["macro"]["f1"].get<double>(), 0.9, 1e-12);
  EXPECT_EQ(j["best"]["macro"]["num_labels"], 2);
  ASSERT_EQ(j["sweep"].size(), 6u);
  const nlohmann::json& t2 = j["sweep"][1];
  EXPECT_EQ(t2["threshold"].get<double>(), 0.2);
  EXPECT_EQ(t2["examples"], 1);
  EXPECT_EQ(t2["duplicate_predictions"], 0);
  EXPECT_EQ(t2["micro"]["tp"], 3);
  EXPECT_EQ(t2["micro"]["fp"], 1);
  EXPECT_EQ(t2["micro"]["fn"], 0);
  EXPECT_EQ(t2["micro"]["support"], 3);
  EXPECT_DOUBLE_EQ(t2["micro"]["precision"].get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(t2["micro"]["recall"].get<double>(), 1.0);
  ASSERT_EQ(t2["per_label"].size(), 3u);
  const nlohmann::json& dis = t2["per_label"][0];
  EXPECT_EQ(dis["label"], "Disease");
  EXPECT_EQ(dis["tp"], 2);
  EXPECT_EQ(dis["fp"], 1);
  EXPECT_EQ(dis["fn"], 0);
  EXPECT_EQ(dis["support"], 2);
  EXPECT_NEAR(dis["precision"].get<double>(), 2.0 / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(dis["f1"].get<double>(), 0.8);
  EXPECT_EQ(j["sweep"][4]["micro"]["fn"], 2);
  EXPECT_EQ(j["meta"]["split"], "dev");
  EXPECT_EQ(j["meta"]["step"], 1200);
  EXPECT_FALSE(eval_report_json(s).contains("meta"));
}

TEST(MetricsReport, WrittenAtomically) {
  const fs::path dir = fs::temp_directory_path() / ("gtrain_metrics_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "eval_report.json").string();
  {
    std::ofstream old(path);
    old << "old";
  }
  ThresholdSweep s(kLabels);
  add_sweep_example(&s);
  write_eval_report(path, s, {{"split", "dev"}});
  const nlohmann::json back = nlohmann::json::parse(test::read_file_bytes(path));
  EXPECT_EQ(back, eval_report_json(s, {{"split", "dev"}}));
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    ++files;
    EXPECT_EQ(e.path().filename(), "eval_report.json");  // no temp file left behind
  }
  EXPECT_EQ(files, 1u);
  EXPECT_THROW(write_eval_report((dir / "missing" / "r.json").string(), s), std::runtime_error);
  fs::remove_all(dir);
}

TEST(MetricsReport, MarkdownTables) {
  ThresholdSweep s(kLabels);
  add_sweep_example(&s);
  const std::string best = markdown_best_table(s);
  const std::string expected_best =
      "| label | P | R | F1 | TP | FP | FN | support |\n"
      "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n"
      "| Disease | 0.6667 | 1.0000 | 0.8000 | 2 | 1 | 0 | 2 |\n"
      "| Drug | 1.0000 | 1.0000 | 1.0000 | 1 | 0 | 0 | 1 |\n"
      "| Procedure | 0.0000 | 0.0000 | 0.0000 | 0 | 0 | 0 | 0 |\n"
      "| **micro** | 0.7500 | 1.0000 | 0.8571 | 3 | 1 | 0 | 3 |\n"
      "| **macro** (2 labels) | 0.8333 | 1.0000 | 0.9000 |  |  |  |  |\n";
  EXPECT_EQ(best, expected_best);

  const std::string sweep = markdown_sweep_table(s);
  // t=0.1: Disease TP2 FP1 (F1 .8), Drug TP1 FP1 (F1 2/3) -> macro .7333; micro P 3/5.
  EXPECT_NE(sweep.find("| threshold | micro P | micro R | micro F1 | macro F1 |\n"), std::string::npos);
  EXPECT_NE(sweep.find("| 0.1 | 0.6000 | 1.0000 | 0.7500 | 0.7333 |\n"), std::string::npos);
  EXPECT_NE(sweep.find("| **0.2** (best) | 0.7500 | 1.0000 | 0.8571 | 0.9000 |\n"), std::string::npos);
  EXPECT_NE(sweep.find("| 0.3 | 0.6667 | 0.6667 | 0.6667 | "), std::string::npos);
  EXPECT_NE(sweep.find("| 0.6 | 1.0000 | 0.3333 | 0.5000 | "), std::string::npos);
  EXPECT_EQ(std::count(sweep.begin(), sweep.end(), '\n'), 8);  // header, rule, 6 thresholds

  const std::string report = markdown_report(s);
  EXPECT_NE(report.find(expected_best), std::string::npos);
  EXPECT_NE(report.find(sweep), std::string::npos);
  EXPECT_NE(report.find("best threshold (0.2, 1 examples"), std::string::npos);

  // '|' in a label is escaped so the table keeps its columns.
  ThresholdSweep pipe({"a|b"}, {0.5f});
  pipe.add({G(0, 1, "a|b")}, {P(0, 1, "a|b")});
  EXPECT_NE(markdown_best_table(pipe).find("| a\\|b | 1.0000 |"), std::string::npos);
}

TEST(MetricsReport, PlainTextAlignsKoreanLabels) {
  ThresholdSweep s({"질환", "Drug"}, {0.5f});
  s.add({G(0, 2, "질환"), G(3, 5, "Drug")}, {P(0, 2, "질환"), P(3, 4, "Drug")});
  const std::string text = text_report(s);
  EXPECT_EQ(text.rfind("best threshold 0.5 (micro F1 0.5000, 1 examples)\n", 0), 0u);
  std::vector<std::string> lines;
  std::stringstream ss(text);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  ASSERT_GE(lines.size(), 7u);
  // lines[1] header, [2] rule, [3] 질환, [4] Drug, [5] micro: right-aligned last column -> equal width.
  EXPECT_EQ(lines[1].rfind("label", 0), 0u);
  EXPECT_EQ(lines[3].rfind("질환", 0), 0u);
  EXPECT_EQ(columns(lines[1]), columns(lines[3]));
  EXPECT_EQ(columns(lines[3]), columns(lines[4]));
  EXPECT_EQ(columns(lines[4]), columns(lines[5]));
  EXPECT_EQ(columns(lines[2]), columns(lines[1]));
  EXPECT_NE(text.find("micro"), std::string::npos);
  EXPECT_NE(text.find("macro (2 labels)"), std::string::npos);
  EXPECT_NE(text.find("0.5 (best)"), std::string::npos);
}
