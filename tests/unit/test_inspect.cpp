// `gtrain data inspect`: the span-width recommendation (issue 13 item 5) and the mention report.
#include <gtest/gtest.h>

#include "data/inspect.h"
#include "text/utf8.h"

using namespace gtrain;

namespace {
Example ex(const std::string& text, std::vector<Entity> e) {
  Example x;
  x.text = text;
  x.entities = std::move(e);
  return x;
}
}  // namespace

TEST(Inspect, RecommendedWidthPerUnitMode) {
  // Char units (spaces are never units): entity widths 3, 2 and 8 characters: 99.5% needs width 8.
  std::vector<Example> data = {ex("당뇨병 환자", {{0, 3, "Disease"}}), ex("아스피린 복용", {{0, 2, "Drug"}}),
                               ex("급성 골수성 백혈병 진단됨", {{0, 10, "Disease"}})};
  InspectReport r = inspect_examples(data, nullptr, 6);
  const UnitModeStats* ch = nullptr;
  const UnitModeStats* word = nullptr;
  for (const auto& m : r.modes) {
    if (m.mode == UnitMode::Char) ch = &m;
    if (m.mode == UnitMode::Word) word = &m;
  }
  ASSERT_TRUE(ch && word);
  EXPECT_EQ(ch->recommended_width(), 8);
  EXPECT_EQ(ch->recommended_width(0.6), 3);
  EXPECT_EQ(ch->too_wide, 1);  // wider than the inspected width 6
  // Word units: 아스피린 [0,2) is inside the word 아스피린: unaligned, so 99.5% is out of reach.
  EXPECT_EQ(word->unaligned, 1);
  EXPECT_EQ(word->recommended_width(), 0);
  EXPECT_EQ(word->recommended_width(0.3), 1);  // 당뇨병 is one word
  EXPECT_EQ(word->recommended_width(0.6), 3);  // 급성 골수성 백혈병: three
  // Cost: units x width per example.
  EXPECT_DOUBLE_EQ(spans_per_example(*ch, r.examples, 8), double(ch->units) * 8 / 3);
  const std::string text = format_inspect_report(r, 6);
  EXPECT_NE(text.find("recommended max_span_width"), std::string::npos) << text;
  EXPECT_NE(text.find("short of 99.5%"), std::string::npos) << text;  // the word row
}

TEST(Inspect, CountsEntitiesAsPrepareKeepsThem) {
  // " 당뇨병" and "당뇨병" under one label are one entity once their edges are trimmed, as prepare
  // stores them; inspect counted two, and each a second time in every unit mode.
  std::vector<Example> data = {ex("당뇨병 환자", {{0, 3, "Disease"}, {0, 4, "Disease"}, {0, 3, "Symptom"}})};
  InspectReport r = inspect_examples(data, nullptr, 6);
  EXPECT_EQ(r.entities, 2);
  EXPECT_EQ(r.label_counts["Disease"], 1);
  EXPECT_EQ(r.label_counts["Symptom"], 1);
  for (const auto& m : r.modes) EXPECT_EQ(m.entities, 2) << unit_mode_name(m.mode);
}

TEST(Inspect, MentionReportText) {
  MentionReport m;
  EXPECT_EQ(format_mention_report(m), "");  // nothing listed (not a GLiNER2 file): nothing printed
  m.listed = 5;
  m.exact = 3;
  m.case_folded = 1;
  m.unmatched = 1;
  m.dropped = 1;
  m.dropped_by_label["Drug"] = 1;
  m.ignored_tasks["relations"] = 2;
  const std::string s = format_mention_report(m);
  EXPECT_NE(s.find("mentions listed 5: exact 3, case-insensitive 1, normalized 0, not found 1"), std::string::npos) << s;
  EXPECT_NE(s.find("mentions dropped 1 (Drug 1)"), std::string::npos) << s;
  EXPECT_NE(s.find("records with relations (ignored"), std::string::npos) << s;
}

// A reader's BIO repairs are shown (prepare logs them, data inspect prints them; they were
// collected and never shown): the count and the first few with their file:line.
TEST(Inspect, ReadWarningsText) {
  EXPECT_EQ(format_read_warnings({}), "");
  const std::vector<std::string> w = {"a.tsv:2: tag 'I-X' does not continue a X entity; starting a new one",
                                      "a.tsv:9: tag 'I-Y' ...", "a.tsv:12: ...", "a.tsv:30: ..."};
  const std::string s = format_read_warnings(w, 2);
  EXPECT_NE(s.find("BIO tags repaired (a tag that continues no entity starts one): 4, the first 2\n"), std::string::npos) << s;
  EXPECT_NE(s.find("  a.tsv:2: tag 'I-X'"), std::string::npos) << s;
  EXPECT_NE(s.find("  a.tsv:9:"), std::string::npos) << s;
  EXPECT_EQ(s.find("a.tsv:12"), std::string::npos) << s;
}
