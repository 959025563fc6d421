// KLUE-NER dev (5,000 real Korean sentences) through prepare: in char mode every gold entity must
// come back exactly from the stored unit offsets. Needs ../shared (skipped without it).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <unistd.h>

#include "data/hdf5_store.h"
#include "data/prepare.h"
#include "data/reader.h"
#include "text/utf8.h"

using namespace gtrain;
namespace fs = std::filesystem;

namespace {
const std::string kShared = std::string(GTRAIN_SOURCE_DIR) + "/../shared/data";
const std::string kKlue = kShared + "/klue-ner-v1.1-dev/klue-ner-v1.1_dev.tsv";
const std::string kSpm = kShared + "/kobert-sentencepiece/tokenizer_78b3253a26.model";
}  // namespace

TEST(PrepareKlue, CharModeReproducesEveryGoldEntity) {
  if (!fs::exists(kKlue) || !fs::exists(kSpm)) GTEST_SKIP() << "../shared KLUE data not present";
  const fs::path out = fs::temp_directory_path() / ("gtrain-klue-" + std::to_string(::getpid()));
  PrepareConfig c;
  c.inputs.push_back(PrepareInput{kKlue, "klue", "klue-dev", 1.0f, false, "dev"});
  c.tokenizer = kSpm;
  c.unit_mode = UnitMode::Char;
  c.max_length = 100000;     // no windows: one row per sentence, so rows line up with examples
  c.max_span_width = 1000;   // every entity is representable in char mode
  c.output_dir = out.string();
  PrepareReport rep = prepare(c);
  ASSERT_EQ(rep.splits.size(), 1u);
  EXPECT_EQ(rep.splits[0].examples, 5000);
  EXPECT_EQ(rep.splits[0].unaligned, 0);
  EXPECT_EQ(rep.splits[0].too_wide, 0);

  // Gold, as the reader sees it (trimmed of surrounding spaces like prepare does).
  ReadResult gold = read_examples(kKlue, InputFormat::KlueTsv, ReadOptions{});
  PreparedReader r(out / "dev.h5");
  ASSERT_EQ(r.size(), 5000);
  int64_t checked = 0, total = 0;
  std::vector<char32_t> text, row_text;
  for (int64_t i = 0; i < r.size(); ++i) {
    PreparedExample p = r.get(i);
    const Example& g = gold.examples.at(p.example_index);
    utf8::decode(g.text, &text);
    utf8::decode(p.text, &row_text);
    std::multimap<std::pair<int64_t, int64_t>, std::string> want;
    for (const Entity& e : g.entities) {
      int64_t s = e.start, en = e.end;
      while (s < en && text[s] == U' ') ++s;
      while (en > s && text[en - 1] == U' ') --en;
      want.emplace(std::make_pair(s, en), e.label);
    }
    total += static_cast<int64_t>(want.size());
    ASSERT_EQ(p.spans.size(), want.size()) << "example " << p.example_index;
    for (const UnitSpan& s : p.spans) {
      const int64_t cs = p.text_char_offset + p.unit_char_start.at(s.start);
      const int64_t ce = p.text_char_offset + p.unit_char_end.at(s.end);
      auto it = want.find({cs, ce});
      ASSERT_NE(it, want.end()) << "example " << p.example_index << " span [" << cs << "," << ce << ")";
      EXPECT_EQ(it->second, r.meta().labels.at(s.label));
      // The stored window text holds the same characters as the original.
      EXPECT_EQ(utf8::encode(row_text, p.unit_char_start.at(s.start), p.unit_char_end.at(s.end)),
                utf8::encode(text, cs, ce));
      want.erase(it);
      ++checked;
    }
  }
  EXPECT_EQ(checked, total);
  EXPECT_EQ(total, 14257);  // 100% of KLUE dev's entities
  fs::remove_all(out);
}
