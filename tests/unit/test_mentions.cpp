// GLiNER2 mentions as users write them (issues 12 item 7 and 13): record forms, matching steps,
// the unmatched-mention policies and nested/crossing occurrences, each counted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "data/inspect.h"
#include "data/mention_match.h"
#include "data/reader.h"
#include "data/validate.h"
#include "text/utf8.h"

using namespace gtrain;
namespace fs = std::filesystem;

namespace {

std::string write_jsonl(const std::string& name, const std::string& content) {
  const std::string p = (fs::temp_directory_path() / (std::to_string(::getpid()) + "-" + name)).string();
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

ReadResult read_g2(const std::string& content, const ReadOptions& opt = ReadOptions{}) {
  const std::string p = write_jsonl("m.jsonl", content);
  ReadResult r = read_examples(p, InputFormat::Gliner2Jsonl, opt);
  fs::remove(p);
  return r;
}

using E = std::vector<Entity>;

std::vector<std::pair<int64_t, int64_t>> locate(const std::string& text, const std::string& mention,
                                                const MentionMatchOptions& opt, MatchStep* step) {
  std::vector<char32_t> t, m;
  utf8::decode(text, &t);
  utf8::decode(mention, &m);
  MentionLocator loc(t, opt);
  std::vector<std::pair<int64_t, int64_t>> out;
  *step = loc.find(m, &out);
  return out;
}

}  // namespace

TEST(Mentions, NestedMentionOfAnotherLabelIsKept) {
  // Issue 12 item 7: Disease 당뇨병 inside Drug "당뇨병 환자" vanished without a count.
  ReadResult r = read_g2(R"({"input": "당뇨병 환자에게 투여", "output": {"entities": {"Drug": ["당뇨병 환자"], "Disease": ["당뇨병"]}}})" "\n");
  ASSERT_EQ(r.examples.size(), 1u);
  EXPECT_EQ(r.examples[0].entities, E({{0, 3, "Disease"}, {0, 6, "Drug"}}));
  EXPECT_EQ(r.mentions.inner_skipped, 0);
  EXPECT_EQ(count_overlaps(r.examples[0].entities).nested, 1);
}

TEST(Mentions, SameLabelInnerOccurrenceRule) {
  // 당뇨 also stands alone: its hit inside 당뇨병 is a substring hit, not a label (counted).
  ReadResult a = read_g2(R"({"input": "당뇨병과 당뇨 전단계", "output": {"entities": {"Disease": ["당뇨병", "당뇨"]}}})" "\n");
  EXPECT_EQ(a.examples.at(0).entities, E({{0, 3, "Disease"}, {5, 7, "Disease"}}));
  EXPECT_EQ(a.mentions.inner_skipped, 1);
  // 당뇨병 occurs only inside 제2형 당뇨병: listed on purpose, so it is kept as a nested entity.
  ReadResult b = read_g2(R"({"input": "제2형 당뇨병 진단", "output": {"entities": {"Disease": ["제2형 당뇨병", "당뇨병"]}}})" "\n");
  EXPECT_EQ(b.examples.at(0).entities, E({{0, 7, "Disease"}, {4, 7, "Disease"}}));
  EXPECT_EQ(b.mentions.inner_skipped, 0);
}

TEST(Mentions, CrossingMentionsAreKept) {
  // Issue 13: "중증 치매" and "치매증상" cross; GLiNER2 keeps both.
  ReadResult r = read_g2(R"({"input": "중증 치매증상 관찰", "output": {"entities": {"Symptom": ["중증 치매", "치매증상"]}}})" "\n");
  ASSERT_EQ(r.examples.size(), 1u);
  EXPECT_EQ(r.examples[0].entities, E({{0, 5, "Symptom"}, {3, 7, "Symptom"}}));
  EXPECT_EQ(count_overlaps(r.examples[0].entities).crossing, 2);
}

TEST(Mentions, InputExampleTopLevelForm) {
  // GLiNER2's InputExample writes {"text", "entities", "entity_descriptions"} at the top level.
  const std::string p = write_jsonl("top.jsonl",
      R"({"text": "고빌리루빈혈증으로 청각유발전위검사 시행", "entities": {"Disease": ["고빌리루빈혈증"], "Procedure": ["청각유발전위검사"]}, "entity_descriptions": {"Disease": "질병, 증상"}, "classifications": [{"task": "urgency", "labels": ["hi", "lo"], "true_label": ["hi"]}]})" "\n"
      R"({"text": "분류만 있는 기록", "classifications": [{"task": "urgency", "labels": ["hi", "lo"], "true_label": ["lo"]}]})" "\n");
  EXPECT_EQ(guess_input_format(p), InputFormat::Gliner2Jsonl);
  ReadResult r = read_examples(p, InputFormat::Gliner2Jsonl, ReadOptions{});
  fs::remove(p);
  ASSERT_EQ(r.examples.size(), 1u);  // the classification-only record holds no entity task
  EXPECT_EQ(r.examples[0].entities, E({{0, 7, "Disease"}, {10, 18, "Procedure"}}));
  ASSERT_EQ(r.examples[0].schema.size(), 2u);
  EXPECT_EQ(r.examples[0].schema[0].description, "질병, 증상");
  EXPECT_EQ(r.mentions.ignored_tasks.at("classifications"), 2);
  EXPECT_EQ(r.mentions.no_entity_task, 1);
  EXPECT_TRUE(r.rejects.empty());
  // An offsets file ("entities" is a list) is still guessed as offsets.
  const std::string q = write_jsonl("off.jsonl", R"({"text": "ab", "entities": [{"start": 0, "end": 1, "label": "A"}]})" "\n");
  EXPECT_EQ(guess_input_format(q), InputFormat::OffsetJsonl);
  fs::remove(q);
}

TEST(Mentions, MatchingSteps) {
  MatchStep step;
  MentionMatchOptions opt;  // defaults: exact, then case-insensitive
  EXPECT_EQ(locate("HbA1c 7.2%", "HbA1c", opt, &step), (std::vector<std::pair<int64_t, int64_t>>{{0, 5}}));
  EXPECT_EQ(step, MatchStep::Exact);
  EXPECT_EQ(locate("hba1c 7.2% HBA1C", "HbA1c", opt, &step), (std::vector<std::pair<int64_t, int64_t>>{{0, 5}, {11, 16}}));
  EXPECT_EQ(step, MatchStep::Case);
  opt.case_insensitive = false;
  locate("hba1c", "HbA1c", opt, &step);
  EXPECT_EQ(step, MatchStep::NotFound);

  // NFD jamo in the text, NFC syllables in the mention: only with unicode: nfc.
  const std::string nfd_text = "\xE1\x84\x83\xE1\x85\xA1\xE1\x86\xBC\xE1\x84\x82\xE1\x85\xAD\xE1\x84\x87\xE1\x85\xA7\xE1\x86\xBC 환자";  // 당뇨병 as jamo
  MentionMatchOptions n;
  locate(nfd_text, "당뇨병", n, &step);
  EXPECT_EQ(step, MatchStep::NotFound);
  n.unicode = UnicodeForm::NFC;
  EXPECT_EQ(locate(nfd_text, "당뇨병", n, &step), (std::vector<std::pair<int64_t, int64_t>>{{0, 8}}));  // the 8 jamo
  EXPECT_EQ(step, MatchStep::Normalized);

  // Full-width letters: NFKC (then lower-cased).
  n.unicode = UnicodeForm::NFKC;
  EXPECT_EQ(locate("수치 ＨｂＡ１ｃ 상승", "hba1c", n, &step), (std::vector<std::pair<int64_t, int64_t>>{{3, 8}}));
  EXPECT_EQ(step, MatchStep::Normalized);

  // Whitespace runs: "당뇨  병" (two spaces, a tab) for the mention "당뇨 병".
  MentionMatchOptions w;
  w.whitespace = true;
  EXPECT_EQ(locate("제 당뇨 \t병 진단", "당뇨 병", w, &step), (std::vector<std::pair<int64_t, int64_t>>{{2, 7}}));
  EXPECT_EQ(step, MatchStep::Normalized);
}

namespace {
// One record with a good Disease mention, a typo'd Drug mention next to a good one, and a Symptom.
const std::string kTypo =
    R"({"input": "당뇨병 환자에게 메트포르민과 인슐린 투여, 두통 호소", "output": {"entities": {"Disease": ["당뇨병"], "Drug": ["메트포민", "인슐린"], "Symptom": ["두통"]}}})" "\n"
    R"({"input": "고혈압 환자", "output": {"entities": {"Disease": ["고혈압"]}}})" "\n";
}  // namespace

TEST(Mentions, UnmatchedDropKeepsTheRecord) {
  ReadResult r = read_g2(kTypo);  // default policy: drop
  ASSERT_EQ(r.examples.size(), 2u);
  EXPECT_EQ(r.examples[0].entities, E({{0, 3, "Disease"}, {16, 19, "Drug"}, {24, 26, "Symptom"}}));
  EXPECT_EQ(r.mentions.listed, 5);
  EXPECT_EQ(r.mentions.exact, 4);
  EXPECT_EQ(r.mentions.unmatched, 1);
  EXPECT_EQ(r.mentions.dropped, 1);
  EXPECT_EQ(r.mentions.dropped_by_label.at("Drug"), 1);
  ASSERT_EQ(r.dropped_mentions.size(), 1u);
  EXPECT_NE(r.dropped_mentions[0].origin.find(":1"), std::string::npos);
  EXPECT_EQ(r.dropped_mentions[0].field, "output.entities.Drug[0]");
  EXPECT_EQ(r.dropped_mentions[0].mention, "메트포민");
}

TEST(Mentions, UnmatchedDropLabelRemovesTheLabelFromTheRecord) {
  ReadOptions opt;
  opt.unmatched = UnmatchedPolicy::DropLabel;
  ReadResult r = read_g2(kTypo, opt);
  ASSERT_EQ(r.examples.size(), 2u);
  EXPECT_EQ(r.examples[0].entities, E({{0, 3, "Disease"}, {24, 26, "Symptom"}}));
  for (const auto& s : r.examples[0].schema) EXPECT_NE(s.name, "Drug");  // not even a negative
  EXPECT_EQ(r.mentions.labels_dropped, 1);
  EXPECT_EQ(r.mentions.dropped, 2);  // both Drug mentions, each listed
  EXPECT_EQ(r.dropped_mentions.size(), 2u);
}

// A record whose only label drop_label removes is skipped: with no label left it would be read as
// unlabelled, a negative of every label, its unfound mention's text ("메트포민") included.
TEST(Mentions, UnmatchedDropLabelSkipsARecordLeftWithNoLabel) {
  ReadOptions opt;
  opt.unmatched = UnmatchedPolicy::DropLabel;
  ReadResult r = read_g2(
      R"({"input": "환자는 메트포민 복용 중", "output": {"entities": {"Drug": ["메트폴민"]}}})" "\n"
      R"({"input": "고혈압 환자", "output": {"entities": {"Disease": ["고혈압"]}}})" "\n",
      opt);
  ASSERT_EQ(r.examples.size(), 1u);
  EXPECT_EQ(r.examples[0].text, "고혈압 환자");
  EXPECT_EQ(r.mentions.records_emptied, 1);
  ASSERT_EQ(r.dropped_mentions.size(), 1u);
  EXPECT_EQ(r.dropped_mentions[0].mention, "메트폴민");
  EXPECT_NE(format_mention_report(r.mentions).find("records left with no label by drop_label, skipped: 1"),
            std::string::npos)
      << format_mention_report(r.mentions);
  // A label its descriptions name keeps it: it is annotated for that label.
  r = read_g2(R"({"input": "환자는 메트포민 복용 중", "output": {"entities": {"Drug": ["메트폴민"]}, )"
              R"("entity_descriptions": {"Disease": "질병"}}})" "\n",
              opt);
  ASSERT_EQ(r.examples.size(), 1u);
  EXPECT_EQ(r.examples[0].schema.size(), 1u);
  EXPECT_EQ(r.examples[0].schema[0].name, "Disease");
  EXPECT_EQ(r.mentions.records_emptied, 0);
}

// "entities": {} names no label: the record is skipped and counted as one without an entity task
// (GLiNER2's validate_data refuses it), not read as a negative of every label; empty lists make a
// record the negative of their labels.
TEST(Mentions, EmptyEntitiesObjectIsSkippedNotANegativeOfEveryLabel) {
  ReadResult r = read_g2(R"({"input": "고혈압 환자", "output": {"entities": {}}})" "\n"
                         R"({"input": "두통 호소", "output": {"entities": {"Disease": []}}})" "\n"
                         R"({"input": "당뇨병 환자", "output": {"entities": {"Disease": ["당뇨병"]}}})" "\n");
  ASSERT_EQ(r.examples.size(), 2u);
  EXPECT_EQ(r.examples[0].text, "두통 호소");
  ASSERT_EQ(r.examples[0].schema.size(), 1u);
  EXPECT_EQ(r.examples[0].schema[0].name, "Disease");
  EXPECT_EQ(r.mentions.no_entity_task, 1);
}

TEST(Mentions, UnmatchedRejectAndFail) {
  ReadOptions opt;
  opt.unmatched = UnmatchedPolicy::Reject;  // rejects the record even with on_error: fail
  ReadResult r = read_g2(kTypo, opt);
  ASSERT_EQ(r.examples.size(), 1u);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_NE(r.rejects[0].reason.find("output.entities.Drug[0]"), std::string::npos) << r.rejects[0].reason;
  EXPECT_EQ(r.mentions.records_rejected, 1);
  opt.unmatched = UnmatchedPolicy::Fail;
  try {
    read_g2(kTypo, opt);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.field(), "output.entities.Drug[0]");
  }
}

TEST(Mentions, PolicyNames) {
  for (auto p : {UnmatchedPolicy::Drop, UnmatchedPolicy::DropLabel, UnmatchedPolicy::Reject, UnmatchedPolicy::Fail})
    EXPECT_EQ(parse_unmatched_policy(unmatched_policy_name(p)), p);
  EXPECT_THROW(parse_unmatched_policy("ignore"), std::invalid_argument);
  EXPECT_THROW(parse_unicode_form("nfd"), std::invalid_argument);
}
