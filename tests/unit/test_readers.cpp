// Positive tests for every input format, format names/guessing, and the real KLUE-NER dev file.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "data/prepare.h"
#include "data/reader.h"
#include "text/utf8.h"

using namespace gtrain;
namespace fs = std::filesystem;

namespace {

const std::string kDir = std::string(GTRAIN_SOURCE_DIR) + "/tests/data/readers/";
const std::string kKlueDev =
    std::string(GTRAIN_SOURCE_DIR) + "/../shared/data/klue-ner-v1.1-dev/klue-ner-v1.1_dev.tsv";
const std::string kSentence = "당뇨병 환자에게 인슐린을 투여한다";

std::vector<Entity> E(std::initializer_list<Entity> l) { return l; }

std::string surface(const Example& ex, const Entity& e) {
  std::vector<char32_t> cps;
  utf8::decode(ex.text, &cps);
  return utf8::encode(cps, e.start, e.end);
}

std::vector<std::string> schema_names(const Example& ex) {
  std::vector<std::string> v;
  for (const auto& s : ex.schema) v.push_back(s.name);
  return v;
}

}  // namespace

TEST(Readers, Gliner2Jsonl) {
  ReadOptions opt;
  opt.source_name = "gold";
  opt.weight = 0.5f;
  ReadResult r = read_examples(kDir + "sample.gliner2.jsonl", InputFormat::Gliner2Jsonl, opt);
  ASSERT_EQ(r.examples.size(), 3u);
  EXPECT_TRUE(r.rejects.empty());
  const Example& a = r.examples[0];
  EXPECT_EQ(a.text, kSentence);
  EXPECT_EQ(a.entities, E({{0, 3, "Disease"}, {9, 12, "Drug"}}));
  EXPECT_EQ(surface(a, a.entities[0]), "당뇨병");
  EXPECT_EQ(surface(a, a.entities[1]), "인슐린");
  EXPECT_EQ(schema_names(a), (std::vector<std::string>{"Disease", "Drug", "Symptom"}));  // Symptom: negative
  EXPECT_EQ(a.schema[0].description, "질병 이름");
  EXPECT_EQ(a.schema[1].description, "약물 이름");
  EXPECT_EQ(a.schema[2].description, "");
  EXPECT_EQ(a.source, "gold");
  EXPECT_FLOAT_EQ(a.weight, 0.5f);
  EXPECT_EQ(a.origin, kDir + "sample.gliner2.jsonl:1");
  // "text"/"schema" spelling; line 2 is blank.
  EXPECT_EQ(r.examples[1].origin, kDir + "sample.gliner2.jsonl:3");
}

// Labels keep the order the record writes them in (not name order): without configured labels the
// label vocabulary, and so the prompt's order, is the data's own, the one a Python user of the same
// file would pass to GLiNER2.
TEST(Readers, Gliner2LabelsKeepTheRecordsOrder) {
  const std::string p = (fs::temp_directory_path() / "gtrain_rd_order.jsonl").string();
  { std::ofstream(p) << R"({"input": "당뇨병 환자에게 인슐린을 투여한다", "output": {"entities": )"
                        R"({"Procedure": [], "Drug": ["인슐린"], "Disease": ["당뇨병"]}, )"
                        R"("entity_descriptions": {"Symptom": "증상", "Drug": "약물"}}})" << "\n"; }
  const ReadResult r = read_examples(p, InputFormat::Gliner2Jsonl, ReadOptions{});
  fs::remove(p);
  ASSERT_EQ(r.examples.size(), 1u);
  EXPECT_EQ(schema_names(r.examples[0]), (std::vector<std::string>{"Procedure", "Drug", "Disease", "Symptom"}));
  EXPECT_EQ(r.examples[0].schema[1].description, "약물");
}

TEST(Readers, Gliner2RepeatedMentionLabelsEveryOccurrence) {
  ReadResult r = read_examples(kDir + "sample.gliner2.jsonl", InputFormat::Gliner2Jsonl, ReadOptions{});
  // "인슐린 투여 후 인슐린 농도를 측정", Drug: ["인슐린", "인슐린"]: both occurrences, once each.
  const Example& b = r.examples[1];
  EXPECT_EQ(b.entities, E({{0, 3, "Drug"}, {9, 12, "Drug"}}));
  // Listed once, occurring twice: still every occurrence.
  const std::string p = (fs::temp_directory_path() / "gtrain_rd_once.jsonl").string();
  { std::ofstream(p) << R"({"input": "인슐린 투여 후 인슐린 농도", "output": {"entities": {"Drug": ["인슐린"]}}})" << "\n"; }
  ReadResult once = read_examples(p, InputFormat::Gliner2Jsonl, ReadOptions{});
  EXPECT_EQ(once.examples.at(0).entities, E({{0, 3, "Drug"}, {9, 12, "Drug"}}));
  fs::remove(p);
  // Non-overlapping search: "아아" in "아아아" matches once, at [0,2).
  { std::ofstream(p) << R"({"input": "아아아", "output": {"entities": {"X": ["아아"]}}})" << "\n"; }
  EXPECT_EQ(read_examples(p, InputFormat::Gliner2Jsonl, ReadOptions{}).examples.at(0).entities,
            E({{0, 2, "X"}}));
  fs::remove(p);
}

TEST(Readers, Gliner2NestedMentionInsideLongerOneIsNotLabelled) {
  ReadResult r = read_examples(kDir + "sample.gliner2.jsonl", InputFormat::Gliner2Jsonl, ReadOptions{});
  // "당뇨병과 당뇨 전단계", Disease: ["당뇨병", "당뇨"]: 당뇨 inside 당뇨병 skipped, standalone kept.
  EXPECT_EQ(r.examples[2].entities, E({{0, 3, "Disease"}, {5, 7, "Disease"}}));
}

TEST(Readers, OffsetJsonl) {
  ReadResult r = read_examples(kDir + "sample.offsets.jsonl", InputFormat::OffsetJsonl, ReadOptions{});
  ASSERT_EQ(r.examples.size(), 2u);
  const Example& a = r.examples[0];
  EXPECT_EQ(a.text, kSentence);
  EXPECT_EQ(a.entities, E({{0, 3, "Disease"}, {9, 12, "Drug"}}));  // sorted
  EXPECT_EQ(schema_names(a), (std::vector<std::string>{"Drug", "Disease"}));  // labels present
  EXPECT_EQ(a.source, "sample.offsets");  // default: file stem
  const Example& b = r.examples[1];
  EXPECT_TRUE(b.entities.empty());
  EXPECT_EQ(schema_names(b), (std::vector<std::string>{"Symptom", "Drug"}));
  EXPECT_EQ(b.schema[0].description, "증상");
  EXPECT_EQ(b.origin, kDir + "sample.offsets.jsonl:2");
}

TEST(Readers, OffsetJsonlRecordWithoutLabelsIsAnnotatedForTheFileLabels) {
  // A sentence holding only a Drug is a negative for the file's Disease too (as in a BIO file);
  // its own labels come first. A record naming its "labels" keeps exactly those.
  const std::string p = (fs::temp_directory_path() / "gtrain_rd_file_schema.jsonl").string();
  {
    std::ofstream f(p);
    f << R"({"text": "아스피린 복용", "entities": [{"start": 0, "end": 4, "label": "Drug"}]})" << "\n"
      << R"({"text": "당뇨병 환자", "entities": [{"start": 0, "end": 3, "label": "Disease"}]})" << "\n"
      << R"({"text": "두통이 없다", "entities": []})" << "\n"
      << R"({"text": "인슐린 투여", "entities": [{"start": 0, "end": 3, "label": "Drug"}], "labels": ["Drug"]})" << "\n"
      << R"({"text": "기침", "entities": [], "descriptions": {"Symptom": "증상"}})" << "\n";
  }
  ReadResult r = read_examples(p, InputFormat::OffsetJsonl, ReadOptions{});
  fs::remove(p);
  ASSERT_EQ(r.examples.size(), 5u);
  EXPECT_EQ(schema_names(r.examples[0]), (std::vector<std::string>{"Drug", "Disease"}));
  EXPECT_EQ(schema_names(r.examples[1]), (std::vector<std::string>{"Disease", "Drug"}));
  EXPECT_EQ(schema_names(r.examples[2]), (std::vector<std::string>{"Drug", "Disease"}));
  EXPECT_EQ(schema_names(r.examples[3]), (std::vector<std::string>{"Drug"}));
  EXPECT_EQ(schema_names(r.examples[4]), (std::vector<std::string>{"Symptom", "Drug", "Disease"}));
  EXPECT_EQ(r.examples[4].schema[0].description, "증상");
}

TEST(Readers, KlueTsv) {
  ReadResult r = read_examples(kDir + "sample.klue.tsv", InputFormat::KlueTsv, ReadOptions{});
  ASSERT_EQ(r.examples.size(), 2u);
  const Example& a = r.examples[0];
  EXPECT_EQ(a.text, "당뇨병 환자에게 인슐린");
  EXPECT_EQ(a.entities, E({{0, 3, "DS"}, {9, 12, "DR"}}));
  EXPECT_EQ(a.origin, kDir + "sample.klue.tsv:3");  // the "## s-0001" line
  const Example& b = r.examples[1];
  EXPECT_EQ(b.text, "서울 병원 ");  // trailing space kept
  EXPECT_EQ(b.entities, E({{3, 5, "OG"}}));  // I-OG without B-OG starts an entity ...
  ASSERT_EQ(r.warnings.size(), 1u);          // ... with a warning
  EXPECT_NE(r.warnings[0].find("sample.klue.tsv:21"), std::string::npos) << r.warnings[0];
  EXPECT_EQ(b.origin, kDir + "sample.klue.tsv:17");
  // File-wide schema, order of first appearance.
  EXPECT_EQ(schema_names(a), (std::vector<std::string>{"DS", "DR", "OG"}));
  EXPECT_EQ(schema_names(b), schema_names(a));
}

TEST(Readers, Conll) {
  ReadResult r = read_examples(kDir + "sample.conll", InputFormat::Conll, ReadOptions{});
  ASSERT_EQ(r.examples.size(), 2u);
  const Example& a = r.examples[0];
  EXPECT_EQ(a.text, kSentence);
  EXPECT_EQ(a.entities, E({{0, 3, "Disease"}, {9, 13, "Drug"}}));  // token 인슐린을
  EXPECT_EQ(a.origin, kDir + "sample.conll:3");
  const Example& b = r.examples[1];
  EXPECT_EQ(b.text, "고혈압 치료");
  EXPECT_EQ(b.entities, E({{0, 6, "Disease"}}));
  EXPECT_EQ(b.origin, kDir + "sample.conll:8");
  EXPECT_EQ(schema_names(b), (std::vector<std::string>{"Disease", "Drug"}));
  EXPECT_TRUE(r.warnings.empty());
}

TEST(Readers, KbmcTsv) {
  ReadResult r = read_examples(kDir + "sample.kbmc.tsv", InputFormat::KbmcTsv, ReadOptions{});
  ASSERT_EQ(r.examples.size(), 2u);
  EXPECT_EQ(r.examples[0].text, kSentence);
  EXPECT_EQ(r.examples[0].entities, E({{0, 3, "Disease"}, {9, 13, "Drug"}}));
  EXPECT_EQ(r.examples[0].origin, kDir + "sample.kbmc.tsv:2");  // header skipped
  EXPECT_EQ(r.examples[1].text, "급성 심근 경색");
  EXPECT_EQ(r.examples[1].entities, E({{0, 8, "Disease"}}));
}

TEST(Readers, FormatNames) {
  EXPECT_EQ(parse_input_format("gliner2"), InputFormat::Gliner2Jsonl);
  EXPECT_EQ(parse_input_format("offsets"), InputFormat::OffsetJsonl);
  EXPECT_EQ(parse_input_format("klue"), InputFormat::KlueTsv);
  EXPECT_EQ(parse_input_format("conll"), InputFormat::Conll);
  EXPECT_EQ(parse_input_format("kbmc"), InputFormat::KbmcTsv);
  try {
    parse_input_format("csv");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("'csv'"), std::string::npos) << m;
    for (const char* n : {"gliner2", "offsets", "klue", "conll", "kbmc"})
      EXPECT_NE(m.find(n), std::string::npos) << m;
  }
}

TEST(Readers, GuessFormat) {
  EXPECT_EQ(guess_input_format(kDir + "sample.gliner2.jsonl"), InputFormat::Gliner2Jsonl);
  EXPECT_EQ(guess_input_format(kDir + "sample.offsets.jsonl"), InputFormat::OffsetJsonl);
  EXPECT_EQ(guess_input_format(kDir + "sample.klue.tsv"), InputFormat::KlueTsv);
  EXPECT_EQ(guess_input_format(kDir + "sample.conll"), InputFormat::Conll);
  EXPECT_EQ(guess_input_format(kDir + "sample.kbmc.tsv"), InputFormat::KbmcTsv);
  EXPECT_THROW(guess_input_format(kDir + "does-not-exist.jsonl"), InputError);
}

namespace {
std::string write_temp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / ("gtrain-readers-" + std::to_string(::getpid()) + "-" + name);
  std::ofstream(p) << text;
  return p.string();
}
}  // namespace

// A KBMC file whose first sentence is one word: its first line looks like CoNLL's, so the guess
// reads on; read as CoNLL, it merged sentences and dropped words and entities without a word. A
// tab-separated CoNLL line whose token or tag holds a space is an error naming the line.
TEST(Readers, KbmcWithAOneWordFirstSentenceIsNotReadAsConll) {
  const std::string kbmc = write_temp("one-word.tsv", "당뇨병\tB-Disease\n인슐린 투여\tB-Drug O\n");
  EXPECT_EQ(guess_input_format(kbmc), InputFormat::KbmcTsv);
  const ReadResult r = read_examples(kbmc, InputFormat::KbmcTsv, ReadOptions{});
  ASSERT_EQ(r.examples.size(), 2u);
  EXPECT_EQ(r.examples[1].entities, E({{0, 3, "Drug"}}));
  try {
    read_examples(kbmc, InputFormat::Conll, ReadOptions{});
    FAIL() << "a KBMC line was read as a CoNLL token";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.field(), "token");
    EXPECT_NE(std::string(e.what()).find("format kbmc"), std::string::npos) << e.what();
  }
  // Space-separated CoNLL (token, POS, tag) is read as before, a stray tab in it too.
  const std::string conll = write_temp("spaces.conll", "당뇨병 NNG B-Disease\n환자 NNG O\t\n");
  const ReadResult c = read_examples(conll, InputFormat::Conll, ReadOptions{});
  ASSERT_EQ(c.examples.size(), 1u);
  EXPECT_EQ(c.examples[0].entities, E({{0, 3, "Disease"}}));
  fs::remove(kbmc);
  fs::remove(conll);
}

// A KLUE tag with spaces after it is the tag ("B-X " used to become a label "X ", beside "X").
TEST(Readers, KlueTagWithTrailingSpacesIsTheTag) {
  const std::string f = write_temp("trailing.klue.tsv", "## s1\tx\n가\tB-X \n나\tI-X\n \tO\n");
  const ReadResult r = read_examples(f, InputFormat::KlueTsv, ReadOptions{});
  ASSERT_EQ(r.examples.size(), 1u);
  EXPECT_EQ(r.examples[0].text, "가나 ");  // a space character is a character
  EXPECT_EQ(r.examples[0].entities, E({{0, 2, "X"}}));
  EXPECT_EQ(schema_names(r.examples[0]), (std::vector<std::string>{"X"}));
  EXPECT_TRUE(r.warnings.empty());
  fs::remove(f);
}

TEST(Readers, KlueDevRealFile) {
  if (!fs::exists(kKlueDev)) GTEST_SKIP() << "../shared KLUE-NER dev not present";
  ReadResult r = read_examples(kKlueDev, InputFormat::KlueTsv, ReadOptions{});
  EXPECT_TRUE(r.rejects.empty());
  ASSERT_EQ(r.examples.size(), 5000u);
  std::map<std::string, int> count;
  size_t total = 0;
  for (const Example& ex : r.examples) {
    total += ex.entities.size();
    for (const Entity& e : ex.entities) ++count[e.label];
  }
  EXPECT_EQ(total, 14257u);
  EXPECT_EQ(count["PS"], 4418);
  EXPECT_EQ(count["QT"], 3151);
  EXPECT_EQ(count["DT"], 2312);
  EXPECT_EQ(count["OG"], 2182);
  EXPECT_EQ(count["LC"], 1649);
  EXPECT_EQ(count["TI"], 545);
  EXPECT_EQ(count.size(), 6u);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings.size() << " warnings, first: " << r.warnings[0];
  // First sentence: "<경찰:OG>은 또 ..." at line 6 (after 5 header comment lines).
  const Example& first = r.examples[0];
  EXPECT_EQ(first.origin, kKlueDev + ":6");
  ASSERT_FALSE(first.entities.empty());
  EXPECT_EQ(first.entities[0], (Entity{0, 2, "OG"}));
  EXPECT_EQ(first.text.rfind("경찰은 또 성매매", 0), 0u);
  EXPECT_EQ(first.schema.size(), 6u);
}

// -i PATH[:FORMAT] on the command line (gtrain prepare, bench prepare).
TEST(Readers, InputSpecSplitsFormatAfterLastColon) {
  PrepareInput a = input_from_spec("data/train.jsonl:gliner2");
  EXPECT_EQ(a.path, "data/train.jsonl");
  EXPECT_EQ(a.format, "gliner2");
  PrepareInput b = input_from_spec("data/train.tsv");
  EXPECT_EQ(b.path, "data/train.tsv");
  EXPECT_EQ(b.format, "");
  PrepareInput c = input_from_spec("runs:2/train.jsonl");  // a colon inside the directories
  EXPECT_EQ(c.path, "runs:2/train.jsonl");
  EXPECT_EQ(c.format, "");
  PrepareInput d = input_from_spec("train.jsonl:");  // nothing after the colon: all of it is the path
  EXPECT_EQ(d.path, "train.jsonl:");
  EXPECT_EQ(d.format, "");
}
