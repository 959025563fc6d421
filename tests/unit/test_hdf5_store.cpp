// PreparedWriter / PreparedReader: round trip, atomic commit, input errors, hyperslab reads.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "data/hdf5_store.h"
#include "io/input_error.h"
#include "io/atomic_file.h"
#include "support/error_of.h"
#include "support/file_bytes.h"

using namespace gtrain;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path dir;
  TempDir() {
    static int counter = 0;
    dir = fs::temp_directory_path() /
          ("gtrain-h5-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string file(const std::string& name) const { return (dir / name).string(); }
  size_t count() const {
    size_t n = 0;
    for (auto it = fs::directory_iterator(dir); it != fs::directory_iterator(); ++it) ++n;
    return n;
  }
};

PreparedMeta test_meta() {
  PreparedMeta m;
  m.format_version = kPreparedFormatVersion;
  m.tokenizer_fingerprint = "ab12cd34";
  m.tokenizer_kind = "sentencepiece";
  m.unit_mode = "char";
  m.labels = {"PS", "LC", "날짜"};
  m.label_descriptions = {"person", "", "a date,\nwith a newline"};
  m.sources = {"klue", "silver-gen"};
  m.max_length = 512;
  m.max_span_width = 12;
  m.window_stride = 24;
  return m;
}

std::vector<PreparedExample> test_examples() {
  std::vector<PreparedExample> v;
  {
    PreparedExample p;
    p.text = "이순신은 조선의 장군이다.";
    p.lost_gold = {0, 3, 1, 5, 7, 2};  // gold no row holds: an LC and a 날짜
    p.token_ids = {5, 1234, 77, 8000, 2};
    p.unit_token = {0, 1, 2, 3};
    p.unit_char_start = {0, 5, 9, 13};
    p.unit_char_end = {4, 8, 12, 14};
    p.spans = {{0, 0, 0}, {1, 1, 1}};
    p.schema_labels = {0, 1, 2};
    p.text_char_offset = 0;
    p.example_index = 0;
    p.source = 0;
    p.weight = 1.0f;
    p.silver = 0;
    v.push_back(p);
  }
  {
    PreparedExample p;  // no spans, no schema, no tokens: an empty row
    p.example_index = 1;
    p.source = 1;
    p.weight = 0.25f;
    p.silver = 1;
    v.push_back(p);
  }
  {
    PreparedExample p;  // spans empty but tokens present
    p.text = "Seoul is nice";
    p.token_ids = {-1, 2147483647, 0};
    p.unit_token = {0, 1, 2};
    p.unit_char_start = {0, 6, 9};
    p.unit_char_end = {5, 8, 13};
    p.schema_labels = {2};
    p.text_char_offset = 17;
    p.example_index = 2;
    p.source = 1;
    p.weight = 0.1f;  // not exactly representable: must come back bit-exact
    p.silver = 1;
    v.push_back(p);
  }
  {
    PreparedExample p;
    p.text = "서울특별시 ✓ 🙂";
    p.token_ids = {9, 10};
    p.unit_token = {0, 0, 1};
    p.unit_char_start = {0, 6, 8};
    p.unit_char_end = {5, 7, 9};
    p.spans = {{0, 0, 1}, {0, 2, 2}, {2, 2, 0}};
    p.schema_labels = {1, 0, 2};
    p.text_char_offset = 3;
    p.example_index = 2;
    p.source = 0;
    p.weight = 3.5f;
    v.push_back(p);
  }
  return v;
}

void expect_same(const PreparedExample& a, const PreparedExample& b) {
  EXPECT_EQ(a.token_ids, b.token_ids);
  EXPECT_EQ(a.unit_token, b.unit_token);
  EXPECT_EQ(a.unit_char_start, b.unit_char_start);
  EXPECT_EQ(a.unit_char_end, b.unit_char_end);
  ASSERT_EQ(a.spans.size(), b.spans.size());
  for (size_t i = 0; i < a.spans.size(); ++i) {
    EXPECT_EQ(a.spans[i].start, b.spans[i].start);
    EXPECT_EQ(a.spans[i].end, b.spans[i].end);
    EXPECT_EQ(a.spans[i].label, b.spans[i].label);
  }
  EXPECT_EQ(a.schema_labels, b.schema_labels);
  EXPECT_EQ(a.text, b.text);
  EXPECT_EQ(a.text_char_offset, b.text_char_offset);
  EXPECT_EQ(a.example_index, b.example_index);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(0, std::memcmp(&a.weight, &b.weight, sizeof(float)));
  EXPECT_EQ(a.silver, b.silver);
  EXPECT_EQ(a.lost_gold, b.lost_gold);
}

void write_file(const std::string& path, const PreparedMeta& m, const std::vector<PreparedExample>& rows) {
  PreparedWriter w(path, m);
  for (const auto& r : rows) w.add(r);
  w.commit();
}

// Opening `path` (expecting `fingerprint`) fails with an InputError naming the file and `field`;
// returns its message, for the caller's checks of the wording.
std::string open_error(const std::string& path, const std::string& field, const std::string& fingerprint = "") {
  const InputError e = test::input_error_of("opening " + path, [&] { PreparedReader r(path, fingerprint); });
  EXPECT_EQ(e.file(), path);
  EXPECT_EQ(e.field(), field);
  EXPECT_NE(std::string(e.what()).find(path), std::string::npos);
  return e.what();
}

}  // namespace

TEST(Hdf5Store, RoundTripBitExact) {
  TempDir t;
  const std::string path = t.file("train.h5");
  const auto rows = test_examples();
  const PreparedMeta m = test_meta();
  write_file(path, m, rows);
  EXPECT_EQ(t.count(), 1u);  // no temp file left behind

  PreparedReader r(path, "ab12cd34");
  ASSERT_EQ(r.size(), static_cast<int64_t>(rows.size()));
  const PreparedMeta& g = r.meta();
  EXPECT_EQ(g.format_version, kPreparedFormatVersion);
  EXPECT_EQ(g.tokenizer_fingerprint, m.tokenizer_fingerprint);
  EXPECT_EQ(g.tokenizer_kind, m.tokenizer_kind);
  EXPECT_EQ(g.unit_mode, m.unit_mode);
  EXPECT_EQ(g.labels, m.labels);
  EXPECT_EQ(g.label_descriptions, m.label_descriptions);
  EXPECT_EQ(g.sources, m.sources);
  EXPECT_EQ(g.max_length, 512);
  EXPECT_EQ(g.max_span_width, 12);
  EXPECT_EQ(g.window_stride, 24);
  EXPECT_EQ(g.num_examples, 4);
  EXPECT_EQ(g.num_tokens, 5 + 0 + 3 + 2);
  EXPECT_EQ(g.num_units, 4 + 0 + 3 + 3);
  EXPECT_EQ(g.num_spans, 2 + 0 + 0 + 3);
  for (size_t i = 0; i < rows.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(r.length_tokens(static_cast<int64_t>(i)), static_cast<int32_t>(rows[i].token_ids.size()));
    expect_same(r.get(static_cast<int64_t>(i)), rows[i]);
  }
  // get_many: any order, duplicates allowed.
  auto many = r.get_many({3, 0, 3, 1, 2});
  ASSERT_EQ(many.size(), 5u);
  expect_same(many[0], rows[3]);
  expect_same(many[1], rows[0]);
  expect_same(many[2], rows[3]);
  expect_same(many[3], rows[1]);
  expect_same(many[4], rows[2]);
  EXPECT_TRUE(r.get_many({}).empty());
  EXPECT_THROW(r.get(4), std::out_of_range);
  EXPECT_THROW(r.get_many({0, -1}), std::out_of_range);
}

TEST(Hdf5Store, EmptyFileAndEmptyLists) {
  TempDir t;
  PreparedMeta m;  // empty labels / sources / descriptions
  m.format_version = kPreparedFormatVersion;
  write_file(t.file("empty.h5"), m, {});
  PreparedReader r(t.file("empty.h5"));
  EXPECT_EQ(r.size(), 0);
  EXPECT_TRUE(r.meta().labels.empty());
  EXPECT_TRUE(r.meta().sources.empty());
  EXPECT_EQ(r.meta().tokenizer_fingerprint, "");
  EXPECT_TRUE(r.get_many({}).empty());
}

TEST(Hdf5Store, WriterWithoutCommitLeavesNothing) {
  TempDir t;
  const std::string path = t.file("dev.h5");
  {
    PreparedWriter w(path, test_meta());
    for (const auto& r : test_examples()) w.add(r);
    EXPECT_TRUE(fs::exists(w.temp_path()));
    EXPECT_NE(w.temp_path(), path);
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(t.count(), 0u);
}

TEST(Hdf5Store, FailedWriteKeepsExistingFinalFile) {
  TempDir t;
  const std::string path = t.file("dev.h5");
  auto rows = test_examples();
  write_file(path, test_meta(), rows);
  const std::string before = test::read_file_bytes(path);
  ASSERT_FALSE(before.empty());
  {
    PreparedWriter w(path, test_meta());
    w.add(rows[0]);
    // Simulated failure: an exception unwinds before commit.
    try {
      throw std::runtime_error("boom");
    } catch (const std::runtime_error&) {
    }
  }
  EXPECT_EQ(test::read_file_bytes(path), before);
  EXPECT_EQ(t.count(), 1u);
  PreparedReader r(path);
  EXPECT_EQ(r.size(), static_cast<int64_t>(rows.size()));

  // A committed rewrite replaces the file atomically.
  write_file(path, test_meta(), {rows[2]});
  PreparedReader r2(path);
  EXPECT_EQ(r2.size(), 1);
  expect_same(r2.get(0), rows[2]);
  EXPECT_EQ(t.count(), 1u);
}

TEST(Hdf5Store, WriterIntoMissingDirectoryThrows) {
  TempDir t;
  try {
    PreparedWriter w(t.file("no/such/dir/x.h5"), test_meta());
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("x.h5"), std::string::npos);
  }
}

TEST(Hdf5Store, ReaderErrorMissingFile) {
  TempDir t;
  const std::string path = t.file("nope.h5");
  EXPECT_NE(open_error(path, "path").find("not found"), std::string::npos);
}

TEST(Hdf5Store, ReaderErrorNotHdf5) {
  TempDir t;
  const std::string path = t.file("train.jsonl");
  std::ofstream(path) << "{\"text\": \"hello\"}\n";
  EXPECT_NE(open_error(path, "path").find("not an HDF5 file"), std::string::npos);
}

TEST(Hdf5Store, ReaderErrorWrongFormatVersion) {
  TempDir t;
  const std::string path = t.file("old.h5");
  PreparedMeta m = test_meta();
  m.format_version = 99;
  write_file(path, m, test_examples());
  const std::string msg = open_error(path, "format_version");
  EXPECT_NE(msg.find("format_version"), std::string::npos);
  EXPECT_NE(msg.find("found 99"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected 2 to " + std::to_string(kPreparedFormatVersion)), std::string::npos) << msg;
}

// A file of format version 2 (before window_stride) is still read, its stride unknown.
TEST(Hdf5Store, FormatVersion2IsStillRead) {
  TempDir t;
  const std::string path = t.file("v2.h5");
  PreparedMeta m = test_meta();
  m.format_version = 2;
  m.window_stride = -1;  // version 2 had no such attribute
  write_file(path, m, test_examples());
  PreparedReader r(path);
  EXPECT_EQ(r.meta().format_version, 2);
  EXPECT_EQ(r.meta().window_stride, -1);
  EXPECT_EQ(r.size(), 4);
}

TEST(Hdf5Store, ReaderErrorWrongFingerprint) {
  TempDir t;
  const std::string path = t.file("train.h5");
  write_file(path, test_meta(), test_examples());
  EXPECT_NO_THROW(PreparedReader(path, ""));
  EXPECT_NO_THROW(PreparedReader(path, "ab12cd34"));
  const std::string msg = open_error(path, "tokenizer_fingerprint", "ffff0000");
  EXPECT_NE(msg.find("tokenizer_fingerprint"), std::string::npos);
  EXPECT_NE(msg.find("ab12cd34"), std::string::npos) << msg;
  EXPECT_NE(msg.find("ffff0000"), std::string::npos) << msg;
}

TEST(Hdf5Store, GetManyReadsOnlyItsRows) {
  TempDir t;
  const std::string path = t.file("big.h5");
  const int64_t n = 10000;
  auto make = [](int64_t i) {
    PreparedExample p;
    const int32_t len = static_cast<int32_t>(1 + i % 37);
    for (int32_t k = 0; k < len; ++k) p.token_ids.push_back(static_cast<int32_t>(i * 100 + k));
    for (int32_t k = 0; k < len; k += 2) {
      p.unit_token.push_back(k);
      p.unit_char_start.push_back(k);
      p.unit_char_end.push_back(k + 1);
    }
    if (i % 3 == 0) p.spans.push_back(UnitSpan{0, 0, static_cast<int32_t>(i % 5)});
    p.schema_labels = {static_cast<int32_t>(i % 7)};
    p.text = "행 " + std::to_string(i);
    p.example_index = static_cast<int32_t>(i);
    p.text_char_offset = static_cast<int32_t>(i % 11);
    p.weight = 1.0f / static_cast<float>(1 + i);
    p.silver = static_cast<uint8_t>(i & 1);
    return p;
  };
  {
    PreparedWriter w(path, test_meta());
    for (int64_t i = 0; i < n; ++i) w.add(make(i));
    w.commit();
  }
  PreparedReader r(path);
  ASSERT_EQ(r.size(), n);
  EXPECT_EQ(r.elements_read(), 0);  // construction reads no row data
  const std::vector<int64_t> idx = {9999, 17, 5000, 5001, 5002, 18, 0, 7777};
  auto rows = r.get_many(idx);
  ASSERT_EQ(rows.size(), idx.size());
  int64_t expect_elems = 0;
  for (size_t k = 0; k < idx.size(); ++k) {
    SCOPED_TRACE(idx[k]);
    const PreparedExample want = make(idx[k]);
    expect_same(rows[k], want);
    EXPECT_EQ(r.length_tokens(idx[k]), static_cast<int32_t>(want.token_ids.size()));
    expect_elems += static_cast<int64_t>(want.token_ids.size() + 3 * want.unit_token.size() +
                                         3 * want.spans.size() + want.schema_labels.size() +
                                         want.text.size());
  }
  EXPECT_EQ(r.elements_read(), expect_elems);  // exactly its rows, nothing more
  expect_same(r.get(4242), make(4242));
}

TEST(Hdf5Store, ReaderErrorTruncatedFile) {
  TempDir t;
  const std::string path = t.file("cut.h5");
  write_file(path, test_meta(), test_examples());
  const std::string full = test::read_file_bytes(path);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << full.substr(0, full.size() / 2);
  try {
    PreparedReader r(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), path);
  }
}

// Issue 12: flipped bytes anywhere in a prepared file are either refused on open (checksums over
// every dataset and the attributes) or change nothing that is read back; never different data.
TEST(Hdf5Store, FlippedBytesAreRefusedOrHarmless) {
  TempDir t;
  const std::string path = t.file("train.h5");
  const auto rows = test_examples();
  write_file(path, test_meta(), rows);
  std::string bytes;
  {
    std::ifstream f(path, std::ios::binary);
    bytes.assign((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(bytes.size(), 1000u);
  // Each damaged copy is opened in a child process: libhdf5 (1.10) itself crashes on some damaged
  // metadata, before any gtrain check can run; such a crash is loud (counted, reported), never
  // silently different data, which is what this test forbids.
  int refused = 0, harmless = 0, silent = 0, crashed = 0;
  const std::string bad = t.file("flipped.h5");
  for (size_t pos = 0; pos < bytes.size(); pos += 7) {
    std::string b = bytes;
    b[pos] = static_cast<char>(b[pos] ^ 0x5a);
    { std::ofstream(bad, std::ios::binary | std::ios::trunc) << b; }
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::alarm(2);  // libhdf5 can also loop forever on damaged metadata: counted as a crash
      int code = 0;
      try {
        PreparedReader r(bad, "ab12cd34");
        auto got = r.get_many({0, 1, 2, 3});
        bool same = r.meta().labels == test_meta().labels && r.meta().label_descriptions == test_meta().label_descriptions;
        for (size_t i = 0; i < rows.size(); ++i)
          same = same && got[i].token_ids == rows[i].token_ids && got[i].text == rows[i].text &&
                 got[i].unit_char_start == rows[i].unit_char_start && got[i].unit_char_end == rows[i].unit_char_end &&
                 got[i].unit_token == rows[i].unit_token && got[i].schema_labels == rows[i].schema_labels &&
                 got[i].spans.size() == rows[i].spans.size();
        code = same ? 1 : 2;
      } catch (const std::exception&) {
        code = 0;
      }
      ::_exit(code);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status)) { ++crashed; continue; }
    switch (WEXITSTATUS(status)) {
      case 0: ++refused; break;
      case 1: ++harmless; break;
      default: ++silent; ADD_FAILURE() << "byte " << pos << " flipped: data changed and nothing said so";
    }
  }
  std::printf("flipped %zu positions: %d refused, %d harmless (unused bytes), %d crashed or hung inside libhdf5, %d silent\n",
              (bytes.size() + 6) / 7, refused, harmless, crashed, silent);
  EXPECT_EQ(silent, 0);
  EXPECT_GT(refused, 0);
}

// A token id outside the model's vocabulary is named with its file and row (the test rows hold
// -1 and 2147483647 in row 2, and at most 8000 elsewhere).
TEST(Hdf5Store, TokenIdsCheckedAgainstVocabulary) {
  TempDir t;
  const std::string path = t.file("train.h5");
  auto rows = test_examples();
  write_file(path, test_meta(), rows);
  PreparedReader r(path);
  for (int64_t vocab : {int64_t{8001}, int64_t{1} << 40}) {
    try {
      r.check_token_ids(vocab);
      ADD_FAILURE() << "id -1 accepted";
    } catch (const InputError& e) {
      const std::string m = e.what();
      EXPECT_NE(m.find(path), std::string::npos) << m;
      EXPECT_NE(m.find("row 2"), std::string::npos) << m;
      EXPECT_NE(m.find("-1"), std::string::npos) << m;
    }
  }
  rows[2].token_ids = {3, 4, 0};
  write_file(path, test_meta(), rows);
  PreparedReader ok(path);
  EXPECT_NO_THROW(ok.check_token_ids(8001));
  try {
    ok.check_token_ids(8000);  // row 0 holds id 8000
    ADD_FAILURE() << "id 8000 accepted with a vocabulary of 8000";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("row 0"), std::string::npos) << m;
    EXPECT_NE(m.find("8000"), std::string::npos) << m;
  }
}

// data.labels: a subset in a new order; rows lose the other labels' spans.
TEST(Hdf5Store, SelectLabelsRemapsAndRefusesUnknown) {
  TempDir t;
  const std::string path = t.file("train.h5");
  const auto rows = test_examples();
  write_file(path, test_meta(), rows);
  PreparedReader r(path);
  r.select_labels({SchemaLabel{"LC", "location"}});
  EXPECT_EQ(r.meta().labels, std::vector<std::string>{"LC"});
  EXPECT_EQ(r.meta().label_descriptions, std::vector<std::string>{"location"});
  for (int64_t i = 0; i < r.size(); ++i)
    for (const UnitSpan& s : r.get(i).spans) EXPECT_EQ(s.label, 0);
  bool lost_seen = false;  // the lost LC keeps its offsets under the new id; the 날짜 is dropped
  for (int64_t i = 0; i < r.size(); ++i)
    if (r.get(i).text == rows[0].text) {
      EXPECT_EQ(r.get(i).lost_gold, (std::vector<int32_t>{0, 3, 0}));
      lost_seen = true;
    }
  EXPECT_TRUE(lost_seen);
  PreparedReader r2(path);
  EXPECT_THROW(r2.select_labels({SchemaLabel{"Symptom", ""}}), InputError);
  PreparedReader r3(path);
  EXPECT_THROW(r3.select_labels({SchemaLabel{"PS", ""}, SchemaLabel{"PS", ""}}), InputError);
}

// Leftovers of killed writers: removed when their process is gone; an .old copy whose original
// is missing is the only copy and is moved back; a live process's temporaries stay.
TEST(StaleTemps, RemovesDeadRestoresOldKeepsLive) {
  TempDir t;
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const std::string d = std::to_string(dead), me = std::to_string(::getpid());
  { std::ofstream(t.file("train.h5.tmp." + d)) << "half"; }
  fs::create_directories(t.file("checkpoint-7.tmp." + d));
  fs::create_directories(t.file("best.old." + d));
  { std::ofstream(t.file("best.old." + d + "/model.safetensors")) << "x"; }
  fs::create_directories(t.file("checkpoint-3"));
  fs::create_directories(t.file("checkpoint-3.old." + d));
  { std::ofstream(t.file("dev.h5.tmp." + me)) << "mine"; }
  StaleTempReport rep = clean_stale_temps(t.dir.string());
  EXPECT_EQ(rep.removed.size(), 3u);
  EXPECT_EQ(rep.restored.size(), 1u);
  EXPECT_FALSE(fs::exists(t.file("train.h5.tmp." + d)));
  EXPECT_FALSE(fs::exists(t.file("checkpoint-7.tmp." + d)));
  EXPECT_TRUE(fs::exists(t.file("best/model.safetensors")));
  EXPECT_TRUE(fs::exists(t.file("checkpoint-3")));
  EXPECT_FALSE(fs::exists(t.file("checkpoint-3.old." + d)));
  EXPECT_TRUE(fs::exists(t.file("dev.h5.tmp." + me)));
}

// A linked file keeps the bytes it was linked to when the original is written again (the writers
// rename a new file onto it), replaces an older copy at its path, and leaves no temporary.
TEST(AtomicFile, LinkKeepsTheContentWhenTheOriginalIsRewritten) {
  TempDir t;
  write_text_file_atomic(t.file("best_state"), "step 4");
  write_text_file_atomic(t.file("copy"), "older");
  link_file_atomic(t.file("best_state"), t.file("copy"));
  write_text_file_atomic(t.file("best_state"), "step 6");
  auto read = [](const std::string& p) {
    std::ifstream f(p);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  EXPECT_EQ(read(t.file("copy")), "step 4");
  EXPECT_EQ(read(t.file("best_state")), "step 6");
  EXPECT_EQ(std::distance(fs::directory_iterator(t.dir), fs::directory_iterator{}), 2);
  EXPECT_THROW(link_file_atomic(t.file("missing"), t.file("copy")), std::runtime_error);
  EXPECT_EQ(read(t.file("copy")), "step 4");
}

// A user's own "NAME.tmp.<number>" / "NAME.old.<date>" are not gtrain's: a number above pid_max is
// no pid, and an export cleans only its own output's leftovers in the folder it writes into.
TEST(StaleTemps, LeavesDatesAndOtherNamesAlone) {
  TempDir t;
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  const std::string d = std::to_string(dead);
  fs::create_directories(t.file("best.old.20240101"));  // a dated backup, its original missing
  { std::ofstream(t.file("notes.tmp.20231231")) << "mine"; }
  fs::create_directories(t.file("other.tmp." + d));
  fs::create_directories(t.file("exported.tmp." + d));
  StaleTempReport rep = clean_stale_temps(t.dir.string(), "exported");
  EXPECT_EQ(rep.removed, std::vector<std::string>{t.file("exported.tmp." + d)});
  EXPECT_TRUE(rep.restored.empty());
  EXPECT_TRUE(fs::exists(t.file("best.old.20240101")));
  EXPECT_FALSE(fs::exists(t.file("best")));
  EXPECT_TRUE(fs::exists(t.file("notes.tmp.20231231")));
  EXPECT_TRUE(fs::exists(t.file("other.tmp." + d)));
  clean_stale_temps(t.dir.string());  // a folder of gtrain's own: every dead writer's leftover
  EXPECT_FALSE(fs::exists(t.file("other.tmp." + d)));
  EXPECT_TRUE(fs::exists(t.file("notes.tmp.20231231")));
}
