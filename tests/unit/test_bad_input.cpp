// One test per kind of bad input: the message must name the file, the line and the field. Plus
// OnError::Skip collecting every bad example as a Reject.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "data/reader.h"
#include "data/validate.h"
#include "support/error_of.h"

using namespace gtrain;
namespace fs = std::filesystem;

namespace {

// Writes `content` to a temp file named `name` (unique per process) and removes it afterwards.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content)
      : path_((fs::temp_directory_path() / (std::to_string(::getpid()) + "-" + name)).string()) {
    std::ofstream f(path_, std::ios::binary);
    f << content;
  }
  ~TempFile() { fs::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const std::string kGood = R"({"text": "당뇨병 환자에게 인슐린을 투여한다", "entities": [{"start": 0, "end": 3, "label": "Disease"}]})";

// Reads expecting an InputError; returns it.
InputError read_error(const std::string& path, InputFormat fmt, const ReadOptions& opt = ReadOptions{}) {
  return test::input_error_of("reading " + path, [&] { read_examples(path, fmt, opt); });
}

bool has(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }

}  // namespace

TEST(BadInput, MalformedJson) {
  const std::string good_g2 = R"({"input": "당뇨병", "output": {"entities": {"Disease": ["당뇨병"]}}})";
  for (InputFormat fmt : {InputFormat::OffsetJsonl, InputFormat::Gliner2Jsonl}) {
    TempFile f("bad_json.jsonl", (fmt == InputFormat::OffsetJsonl ? kGood : good_g2) + "\n" +
                                     R"({"text": "abc", "entities": [)" + "\n");
    InputError e = read_error(f.path(), fmt);
    EXPECT_EQ(e.file(), f.path());
    EXPECT_EQ(e.line(), 2);
    EXPECT_EQ(e.field(), "");
    const std::string m = e.what();
    EXPECT_TRUE(has(m, f.path() + ":2: ")) << m;
    EXPECT_TRUE(has(m, "malformed JSON")) << m;
    EXPECT_TRUE(has(m, "parse error")) << m;  // the parser's own message
  }
}

TEST(BadInput, InvalidUtf8EveryFormat) {
  const std::string bad = "\xED\xA0\x80";  // a UTF-16 surrogate encoded in UTF-8: invalid
  struct Case { InputFormat fmt; std::string name, content; long line; };
  const std::vector<Case> cases = {
      {InputFormat::OffsetJsonl, "u.jsonl", kGood + "\n{\"text\": \"ab" + bad + "\", \"entities\": []}\n", 2},
      {InputFormat::Gliner2Jsonl, "u.g2.jsonl",
       "{\"input\": \"x\", \"output\": {\"entities\": {}}}\n{\"input\": \"ab" + bad + "\", \"output\": {}}\n", 2},
      {InputFormat::KlueTsv, "u.klue.tsv", "## s1\tx\n가\tO\n\n## s2\tx\n" + bad + "\tO\n", 5},
      {InputFormat::Conll, "u.conll", "가 O\n\n나" + bad + " O\n", 3},
      {InputFormat::KbmcTsv, "u.kbmc.tsv", "가 나\tO O\n가" + bad + "\tO\n", 2},
  };
  for (const Case& c : cases) {
    TempFile f(c.name, c.content);
    InputError e = read_error(f.path(), c.fmt);
    const std::string m = e.what();
    EXPECT_EQ(e.line(), c.line) << m;
    EXPECT_TRUE(has(m, f.path() + ":" + std::to_string(c.line))) << m;
    EXPECT_TRUE(has(m, "invalid UTF-8")) << m;
    EXPECT_TRUE(has(m, "byte offset")) << m;
  }
}

TEST(BadInput, InvalidUtf8InTextFieldNamesByte) {
  Example ex;
  ex.text = std::string("ab\xFF", 3);
  try {
    validate_example(ex, "f.jsonl", 4, nullptr);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "text");
    EXPECT_TRUE(has(e.what(), "f.jsonl:4: field 'text': invalid UTF-8 at byte offset 2")) << e.what();
  }
}

TEST(BadInput, OffsetPastEnd) {
  TempFile f("range.jsonl", kGood + "\n" + kGood + "\n" +
                                R"({"text": "당뇨병", "entities": [{"start": 0, "end": 3, "label": "A"}, {"start": 1, "end": 2, "label": "B"}, {"start": 2, "end": 120, "label": "A"}]})" + "\n");
  InputError e = read_error(f.path(), InputFormat::OffsetJsonl);
  EXPECT_EQ(e.line(), 3);
  EXPECT_EQ(e.field(), "entities[2].end");
  EXPECT_TRUE(has(e.what(), f.path() + ":3: field 'entities[2].end': offset 120 is past the end of the text "
                                       "(length 3 code points)")) << e.what();
}

TEST(BadInput, NegativeAndEmptySpans) {
  TempFile neg("neg.jsonl", R"({"text": "abc", "entities": [{"start": -1, "end": 2, "label": "A"}]})" "\n");
  InputError e = read_error(neg.path(), InputFormat::OffsetJsonl);
  EXPECT_EQ(e.field(), "entities[0].start");
  TempFile empty("emptyspan.jsonl", R"({"text": "abc", "entities": [{"start": 2, "end": 2, "label": "A"}]})" "\n");
  e = read_error(empty.path(), InputFormat::OffsetJsonl);
  EXPECT_EQ(e.field(), "entities[0]");
  EXPECT_TRUE(has(e.what(), "start 2 is not before end 2")) << e.what();
}

TEST(BadInput, OverlappingEntitiesAreKeptAndCounted) {
  // A span model scores each (span, label) on its own: nested, crossing and two-label spans are
  // data, not errors (issue 13). They are kept and counted, never dropped silently.
  TempFile f("overlap.jsonl", R"({"text": "당뇨병 환자에게 인슐린", "entities": [{"start": 0, "end": 3, "label": "Disease"}, {"start": 9, "end": 12, "label": "Drug"}, {"start": 2, "end": 5, "label": "X"}, {"start": 0, "end": 6, "label": "Y"}, {"start": 9, "end": 12, "label": "Chem"}]})" "\n");
  ReadResult r = read_examples(f.path(), InputFormat::OffsetJsonl, ReadOptions{});
  ASSERT_EQ(r.examples.size(), 1u);
  const auto& e = r.examples[0].entities;
  ASSERT_EQ(e.size(), 5u);
  const OverlapCounts c = count_overlaps(e);
  EXPECT_EQ(c.nested, 2);     // Disease [0,3) and X [2,5) lie inside Y [0,6)
  EXPECT_EQ(c.crossing, 2);   // Disease [0,3) and X [2,5) cross
  EXPECT_EQ(c.same_span, 2);  // Drug and Chem on [9,12)
}

TEST(BadInput, SameSpanUnderTwoGliner2LabelsIsKept) {
  TempFile f("overlap.g2.jsonl", R"({"input": "인슐린 투여", "output": {"entities": {"Drug": ["인슐린"], "Chem": ["인슐린"]}}})" "\n");
  ReadResult r = read_examples(f.path(), InputFormat::Gliner2Jsonl, ReadOptions{});
  ASSERT_EQ(r.examples.size(), 1u);
  EXPECT_EQ(r.examples[0].entities, (std::vector<Entity>{{0, 3, "Chem"}, {0, 3, "Drug"}}));
}

TEST(BadInput, DuplicateEntities) {
  TempFile f("dup.jsonl", R"({"text": "당뇨병 환자", "entities": [{"start": 0, "end": 3, "label": "Disease"}, {"start": 0, "end": 3, "label": "Disease"}]})" "\n");
  InputError e = read_error(f.path(), InputFormat::OffsetJsonl);
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(e.field(), "entities[1]");
  EXPECT_TRUE(has(e.what(), "duplicate entity [0,3) 'Disease'")) << e.what();
  EXPECT_TRUE(has(e.what(), "entities[0]")) << e.what();
}

TEST(BadInput, UnknownLabels) {
  const std::vector<std::string> allowed = {"Disease", "Drug"};
  ReadOptions opt;
  opt.allowed_labels = &allowed;
  TempFile f("unknown.jsonl", kGood + "\n" + R"({"text": "두통", "entities": [{"start": 0, "end": 2, "label": "Symptom"}]})" "\n");
  InputError e = read_error(f.path(), InputFormat::OffsetJsonl, opt);
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.field(), "entities[0].label");
  EXPECT_TRUE(has(e.what(), "unknown label 'Symptom' (allowed: Disease, Drug)")) << e.what();
  // Also in BIO formats and in a GLiNER2 schema (negative label).
  TempFile k("unknown.kbmc.tsv", "두통 있음\tB-Symptom O\n");
  e = read_error(k.path(), InputFormat::KbmcTsv, opt);
  EXPECT_TRUE(has(e.what(), k.path() + ":1: field 'entities[0].label': unknown label 'Symptom'")) << e.what();
  TempFile g("unknown.g2.jsonl", R"({"input": "두통", "output": {"entities": {"Symptom": []}}})" "\n");
  e = read_error(g.path(), InputFormat::Gliner2Jsonl, opt);
  EXPECT_EQ(e.field(), "schema[0]");
  EXPECT_TRUE(has(e.what(), "'Symptom'")) << e.what();
}

TEST(BadInput, EmptyText) {
  TempFile f("empty.jsonl", kGood + "\n" + R"({"text": "", "entities": []})" + "\n");
  InputError e = read_error(f.path(), InputFormat::OffsetJsonl);
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.field(), "text");
  EXPECT_TRUE(has(e.what(), f.path() + ":2: field 'text': text is empty")) << e.what();
}

TEST(BadInput, MissingFile) {
  const std::string p = "/nonexistent-dir/missing.jsonl";
  for (InputFormat fmt : {InputFormat::Gliner2Jsonl, InputFormat::OffsetJsonl, InputFormat::KlueTsv,
                          InputFormat::Conll, InputFormat::KbmcTsv}) {
    InputError e = read_error(p, fmt, ReadOptions{});
    EXPECT_EQ(e.file(), p);
    EXPECT_EQ(e.line(), 0);
    EXPECT_EQ(std::string(e.what()), p + ": cannot open: No such file or directory");
  }
  ReadOptions skip;
  skip.on_error = OnError::Skip;  // even in Skip mode
  EXPECT_THROW(read_examples(p, InputFormat::OffsetJsonl, skip), InputError);
}

TEST(BadInput, MentionNotFound) {
  TempFile f("notfound.g2.jsonl", R"({"input": "당뇨병 환자", "output": {"entities": {"Drug": ["메트포르민"]}}})" "\n");
  ReadOptions opt;
  opt.unmatched = UnmatchedPolicy::Fail;  // the default, drop, keeps the record (test_mentions.cpp)
  InputError e = read_error(f.path(), InputFormat::Gliner2Jsonl, opt);
  EXPECT_EQ(e.line(), 1);
  EXPECT_EQ(e.field(), "output.entities.Drug[0]");
  EXPECT_TRUE(has(e.what(), "\"메트포르민\" not found")) << e.what();
}

TEST(BadInput, BioStructureErrors) {
  TempFile k("count.kbmc.tsv", "당뇨병 환자\tB-Disease\n");
  InputError e = read_error(k.path(), InputFormat::KbmcTsv);
  EXPECT_TRUE(has(e.what(), k.path() + ":1: field 'tags': 1 tags for 2 space-separated tokens")) << e.what();
  TempFile c("tag.conll", "당뇨병 X-Disease\n");
  e = read_error(c.path(), InputFormat::Conll);
  EXPECT_EQ(e.field(), "tag");
  EXPECT_TRUE(has(e.what(), "bad tag 'X-Disease'")) << e.what();
  TempFile l("orphan.klue.tsv", "가\tO\n");
  e = read_error(l.path(), InputFormat::KlueTsv);
  EXPECT_TRUE(has(e.what(), l.path() + ":1: character line outside a sentence")) << e.what();
}

TEST(BadInput, SkipCollectsRejects) {
  // 7 lines: good, malformed, good, out of range, empty text, overlap (valid), duplicate
  // -> 3 examples, 4 rejects.
  TempFile f("skip.jsonl",
             kGood + "\n" + "{not json\n" + kGood + "\n" +
                 R"({"text": "ab", "entities": [{"start": 0, "end": 9, "label": "A"}]})" "\n" +
                 R"({"text": "", "entities": []})" "\n" +
                 R"({"text": "abcd", "entities": [{"start": 0, "end": 2, "label": "A"}, {"start": 1, "end": 3, "label": "B"}]})" "\n" +
                 R"({"text": "abcd", "entities": [{"start": 1, "end": 3, "label": "B"}, {"start": 1, "end": 3, "label": "B"}]})" "\n");
  ReadOptions opt;
  opt.on_error = OnError::Skip;
  ReadResult r = read_examples(f.path(), InputFormat::OffsetJsonl, opt);
  EXPECT_EQ(r.examples.size(), 3u);
  ASSERT_EQ(r.rejects.size(), 4u);
  EXPECT_EQ(r.rejects[0].origin, f.path() + ":2");
  EXPECT_EQ(r.rejects[0].raw, "{not json");
  EXPECT_TRUE(has(r.rejects[0].reason, "malformed JSON")) << r.rejects[0].reason;
  EXPECT_EQ(r.rejects[1].origin, f.path() + ":4");
  EXPECT_TRUE(has(r.rejects[1].reason, "field 'entities[0].end'")) << r.rejects[1].reason;
  EXPECT_EQ(r.rejects[2].origin, f.path() + ":5");
  EXPECT_EQ(r.rejects[3].origin, f.path() + ":7");
  EXPECT_TRUE(has(r.rejects[3].reason, "duplicate entity")) << r.rejects[3].reason;
  EXPECT_EQ(r.examples[1].origin, f.path() + ":3");
  EXPECT_EQ(r.examples[2].origin, f.path() + ":6");
  // Fail mode stops at the first one.
  EXPECT_EQ(read_error(f.path(), InputFormat::OffsetJsonl).line(), 2);
}

TEST(BadInput, SkipRejectsWholeKlueSentence) {
  TempFile f("skip.klue.tsv",
             "## s1\tx\n가\tB-PS\n\n## s2\tx\n나\tB-PS\n다\tZ\n\n## s3\tx\n라\tO\n\n## s4\tx\n마\xFF\tO\n\n");
  ReadOptions opt;
  opt.on_error = OnError::Skip;
  ReadResult r = read_examples(f.path(), InputFormat::KlueTsv, opt);
  ASSERT_EQ(r.examples.size(), 2u);
  ASSERT_EQ(r.rejects.size(), 2u);
  EXPECT_EQ(r.rejects[0].origin, f.path() + ":6");  // the bad tag's line
  EXPECT_EQ(r.rejects[0].raw, "## s2\tx\n나\tB-PS\n다\tZ");
  EXPECT_EQ(r.rejects[1].origin, f.path() + ":12");  // the bad line
  EXPECT_TRUE(has(r.rejects[1].reason, "invalid UTF-8")) << r.rejects[1].reason;
  EXPECT_EQ(r.examples[1].origin, f.path() + ":8");
}

TEST(BadInput, NulInALabelNamesTheLineNotTheOutputFile) {
  // HDF5 cannot store a NUL in a label: refused where it is read, not when the split is written.
  TempFile ent("nul_label.jsonl", kGood + "\n" +
                                      R"({"text": "아스피린", "entities": [{"start": 0, "end": 4, "label": "Dr\u0000ug"}]})" + "\n");
  InputError e = read_error(ent.path(), InputFormat::OffsetJsonl);
  EXPECT_EQ(e.line(), 2);
  EXPECT_EQ(e.field(), "entities[0].label");
  EXPECT_TRUE(has(e.what(), "NUL")) << e.what();
  TempFile desc("nul_desc.jsonl", R"({"text": "아스피린", "entities": [], "labels": ["Drug"], "descriptions": {"Drug": "a\u0000b"}})" "\n");
  InputError d = read_error(desc.path(), InputFormat::OffsetJsonl);
  EXPECT_EQ(d.line(), 1);
  EXPECT_EQ(d.field(), "schema[0]");
  EXPECT_TRUE(has(d.what(), "NUL")) << d.what();
}
