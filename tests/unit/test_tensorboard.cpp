// CRC-32C, the TensorBoard event writer/reader and metrics.jsonl.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/crc32c.h"
#include "io/metrics_log.h"
#include "io/tensorboard_writer.h"
#include "support/error_of.h"

namespace fs = std::filesystem;
using namespace gtrain;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/gtrain_tb_XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
void spit(const std::string& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), std::streamsize(bytes.size()));
}

// Bit-at-a-time CRC-32C, independent of the table-driven one.
uint32_t crc32c_bitwise(const uint8_t* p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int b = 0; b < 8; ++b) c = (c & 1u) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
  }
  return ~c;
}

void put_le(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(char(uint8_t(v >> (8 * i))));
}
// TFRecord framing, written independently of the writer.
std::string frame(const std::string& data) {
  std::string r;
  put_le(r, data.size(), 8);
  put_le(r, masked_crc32c(r.data(), 8), 4);
  r += data;
  put_le(r, masked_crc32c(data.data(), data.size()), 4);
  return r;
}
// Byte offsets at which each record of a TFRecord file starts (trusting the lengths).
std::vector<size_t> record_offsets(const std::string& buf) {
  std::vector<size_t> offs;
  size_t off = 0;
  while (off + 12 <= buf.size()) {
    offs.push_back(off);
    uint64_t len = 0;
    for (int i = 0; i < 8; ++i) len |= uint64_t(uint8_t(buf[off + i])) << (8 * i);
    off += 12 + len + 4;
  }
  return offs;
}

std::string error_of(const std::string& path) {
  return test::error_text_of<std::runtime_error>([&] { read_tensorboard_scalars(path); });
}

}  // namespace

// ---- CRC-32C ------------------------------------------------------------------------------------

TEST(Crc32c, KnownVectors) {
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);  // the CRC catalogue's check value
  // RFC 3720 (iSCSI) appendix B.4.
  EXPECT_EQ(crc32c(std::string(32, '\0')), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::string(32, '\xff')), 0x62A8AB43u);
  std::string up, down;
  for (int i = 0; i < 32; ++i) up.push_back(char(i)), down.push_back(char(31 - i));
  EXPECT_EQ(crc32c(up), 0x46DD794Eu);
  EXPECT_EQ(crc32c(down), 0x113FDB5Cu);
  const uint8_t iscsi_read[48] = {0x01, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                  0x14, 0,    0, 0, 0, 0, 0x04, 0, 0, 0, 0, 0x14, 0, 0, 0, 0x18,
                                  0x28, 0,    0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(crc32c(iscsi_read, sizeof iscsi_read), 0xD9963A56u);
}

TEST(Crc32c, MatchesBitwiseAtEveryLengthAndAlignment) {
  std::vector<uint8_t> buf(300);
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = uint8_t(i * 167 + 13);
  for (size_t off = 0; off < 8; ++off)
    for (size_t n = 0; n + off <= 200; ++n)
      ASSERT_EQ(crc32c(buf.data() + off, n), crc32c_bitwise(buf.data() + off, n))
          << "offset " << off << " length " << n;
}

TEST(Crc32c, ExtendEqualsWhole) {
  const std::string a = "hello ", b = "world, slicing by eight";
  EXPECT_EQ(crc32c_extend(crc32c(a), b.data(), b.size()), crc32c(a + b));
  const std::string s(1000, 'x');
  uint32_t c = 0;
  for (size_t pos = 0; pos < s.size(); pos += 7) c = crc32c_extend(c, s.data() + pos, std::min<size_t>(7, s.size() - pos));
  EXPECT_EQ(c, crc32c(s));
}

TEST(Crc32c, MaskedCrc) {
  EXPECT_EQ(crc32c_mask(0u), 0xA282EAD8u);
  EXPECT_EQ(crc32c_mask(0xE3069283u), 0xC78AB0E5u);  // ((c >> 15) | (c << 17)) + 0xa282ead8
  EXPECT_EQ(masked_crc32c("123456789", 9), 0xC78AB0E5u);
  for (uint32_t c : {0u, 1u, 0xE3069283u, 0xFFFFFFFFu, 0x80000000u, 0x12345678u}) {
    EXPECT_EQ(crc32c_unmask(crc32c_mask(c)), c);
  }
  EXPECT_NE(crc32c_mask(0xE3069283u), 0xE3069283u);
  EXPECT_NE(crc32c_mask(crc32c_mask(0xE3069283u)), 0xE3069283u);
}

// ---- TensorBoard writer / reader ----------------------------------------------------------------

TEST(TensorBoardWriter, FileNameMatchesTensorBoardPatternAndDirIsCreated) {
  TempDir tmp;
  const fs::path dir = tmp.path / "runs" / "exp1";
  const long long before = static_cast<long long>(std::time(nullptr));
  TensorBoardWriter w(dir.string());
  const long long after = static_cast<long long>(std::time(nullptr));
  ASSERT_TRUE(fs::is_directory(dir));
  const fs::path p(w.path());
  EXPECT_EQ(p.parent_path(), dir);
  EXPECT_TRUE(fs::is_regular_file(p));

  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof host - 1), 0);
  std::smatch m;
  const std::string name = p.filename().string();
  ASSERT_TRUE(std::regex_match(name, m, std::regex(R"(events\.out\.tfevents\.(\d{10})\.(.+)\.(\d+)\.(\d+))")))
      << name;
  EXPECT_GE(std::stoll(m[1]), before);
  EXPECT_LE(std::stoll(m[1]), after);
  EXPECT_EQ(m[2].str(), std::string(host));
  EXPECT_EQ(std::stoll(m[3]), static_cast<long long>(::getpid()));

  // A second writer in the same directory (same second, same pid) gets its own file.
  TensorBoardWriter w2(dir.string());
  EXPECT_NE(w2.path(), w.path());
  EXPECT_NE(w2.path().find("events.out.tfevents."), std::string::npos);
}

TEST(TensorBoardWriter, FirstRecordIsFileVersionEvent) {
  TempDir tmp;
  const double before = unix_time_now();
  std::string path;
  {
    TensorBoardWriter w(tmp.path.string());
    path = w.path();
  }
  const double after = unix_time_now();
  const std::vector<std::string> recs = read_tfrecords(path);
  ASSERT_EQ(recs.size(), 1u);
  // Event{wall_time = 1 (fixed64), file_version = 3 (length-delimited)}: 9 + 2 + 13 bytes.
  ASSERT_EQ(recs[0].size(), 24u);
  EXPECT_EQ(uint8_t(recs[0][0]), 0x09);
  EXPECT_EQ(uint8_t(recs[0][9]), 0x1a);
  EXPECT_EQ(uint8_t(recs[0][10]), 13);
  EXPECT_EQ(recs[0].substr(11), "brain.Event:2");

  const std::vector<TensorBoardEvent> evs = read_tensorboard_events(path);
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0].file_version, "brain.Event:2");
  EXPECT_FALSE(evs[0].has_summary);
  EXPECT_EQ(evs[0].step, 0);
  EXPECT_GE(evs[0].wall_time, before - 1e-3);
  EXPECT_LE(evs[0].wall_time, after + 1e-3);
  EXPECT_TRUE(read_tensorboard_scalars(path).empty());
}

TEST(TensorBoardWriter, ScalarsRoundTripExactlyAndAreVisibleBeforeClose) {
  TempDir tmp;
  struct In { std::string tag; int64_t step; double value; double wall; };
  const std::vector<In> in = {
      {"train/loss", 0, 2.302585092994046, 1700000000.125},
      {"train/loss", 1, 0.0, 1700000001.5},
      {"train/lr", 1, 1e-7, 1700000001.5},
      {"dev/f1", 1000, 0.8125, 1700000123.0},
      {"train/grad_norm", int64_t(1) << 40, -3.14159, 1700000200.75},
      {"weird/negative_step", -3, 1e30, 1.0},
      {"unicode/정확도", 5, 123456.789, 1700000300.0},
  };
  TensorBoardWriter w(tmp.path.string());
  for (const In& s : in) w.add_scalar(s.tag, s.step, s.value, s.wall);
  const double before = unix_time_now();
  w.add_scalar("train/now", 9, 0.5);  // wall_time defaults to now
  const double after = unix_time_now();
  w.add_scalars(10, {{"dev/precision", 0.75}, {"dev/recall", 0.5}, {"dev/f1", 0.6}}, 1700000400.0);

  // Readable while the writer is still open: every add_* flushes.
  auto check = [&](const std::vector<TensorBoardScalar>& got) {
    ASSERT_EQ(got.size(), in.size() + 4);
    for (size_t i = 0; i < in.size(); ++i) {
      EXPECT_EQ(got[i].tag, in[i].tag) << i;
      EXPECT_EQ(got[i].step, in[i].step) << i;
      EXPECT_EQ(got[i].value, static_cast<float>(in[i].value)) << i;  // exact: stored as float
      EXPECT_EQ(got[i].wall_time, in[i].wall) << i;                    // exact: stored as double
    }
    const TensorBoardScalar& now = got[in.size()];
    EXPECT_EQ(now.tag, "train/now");
    EXPECT_EQ(now.step, 9);
    EXPECT_EQ(now.value, 0.5f);
    EXPECT_GE(now.wall_time, before);
    EXPECT_LE(now.wall_time, after);
    const char* tags[] = {"dev/precision", "dev/recall", "dev/f1"};
    const float vals[] = {0.75f, 0.5f, 0.6f};
    for (int k = 0; k < 3; ++k) {
      const TensorBoardScalar& s = got[in.size() + 1 + k];
      EXPECT_EQ(s.tag, tags[k]);
      EXPECT_EQ(s.step, 10);
      EXPECT_EQ(s.value, vals[k]);
      EXPECT_EQ(s.wall_time, 1700000400.0);
    }
  };
  check(read_tensorboard_scalars(w.path()));
  // add_scalars made one Event with three values: file_version + 8 single + 1 batch.
  EXPECT_EQ(read_tensorboard_events(w.path()).size(), 1u + in.size() + 1u + 1u);

  const std::string path = w.path();
  const auto size_open = fs::file_size(path);
  w.close();
  w.close();  // idempotent
  EXPECT_EQ(fs::file_size(path), size_open);
  check(read_tensorboard_scalars(path));
  EXPECT_THROW(w.add_scalar("late", 1, 1.0), std::runtime_error);
}

TEST(TensorBoardWriter, RecordBytesMatchHandEncodedGolden) {
  TempDir tmp;
  std::string path;
  {
    TensorBoardWriter w(tmp.path.string());
    path = w.path();
    w.add_scalar("loss", 7, 0.25, 1.5);
  }
  // Computed independently (Python struct + bitwise CRC-32C):
  // len=26 | mcrc(len) | Event{09 <1.5 double> 10 07 2a 0d Summary{0a 0b Value{0a 04 "loss" 15 <0.25f>}}} | mcrc(data)
  const uint8_t golden[] = {0x1a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x9b, 0xd8, 0x2d,
                            0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x10, 0x07, 0x2a,
                            0x0d, 0x0a, 0x0b, 0x0a, 0x04, 0x6c, 0x6f, 0x73, 0x73, 0x15, 0x00, 0x00,
                            0x80, 0x3e, 0xc9, 0xd0, 0x7b, 0x8d};
  const std::string buf = slurp(path);
  const std::vector<size_t> offs = record_offsets(buf);
  ASSERT_EQ(offs.size(), 2u);
  EXPECT_EQ(buf.substr(offs[1]), std::string(reinterpret_cast<const char*>(golden), sizeof golden));
}

TEST(TensorBoardReader, CorruptionNamesFileRecordAndCheck) {
  TempDir tmp;
  std::string path;
  {
    TensorBoardWriter w(tmp.path.string());
    path = w.path();
    for (int i = 0; i < 5; ++i) w.add_scalar("train/loss", i, 1.0 / (i + 1), 1700000000.0 + i);
  }
  const std::string good = slurp(path);
  const std::vector<size_t> offs = record_offsets(good);
  ASSERT_EQ(offs.size(), 6u);
  ASSERT_EQ(read_tensorboard_scalars(path).size(), 5u);

  auto corrupt = [&](size_t at) {
    std::string bad = good;
    bad[at] = char(bad[at] ^ 0x5a);
    spit(path, bad);
  };
  // A byte of record 3's data (the float value sits near the end of the Event).
  corrupt(offs[4] - 6);
  std::string err = error_of(path);
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("record 3 "), std::string::npos) << err;
  EXPECT_NE(err.find("data CRC mismatch"), std::string::npos) << err;

  // A byte of record 2's length field.
  corrupt(offs[2] + 1);
  err = error_of(path);
  EXPECT_NE(err.find(path), std::string::npos) << err;
  EXPECT_NE(err.find("record 2 "), std::string::npos) << err;
  EXPECT_NE(err.find("length CRC mismatch"), std::string::npos) << err;

  // A byte of record 4's length CRC.
  corrupt(offs[4] + 9);
  err = error_of(path);
  EXPECT_NE(err.find("record 4 "), std::string::npos) << err;
  EXPECT_NE(err.find("length CRC mismatch"), std::string::npos) << err;

  // A byte of record 0's trailing data CRC.
  corrupt(offs[1] - 1);
  err = error_of(path);
  EXPECT_NE(err.find("record 0 "), std::string::npos) << err;
  EXPECT_NE(err.find("data CRC mismatch"), std::string::npos) << err;

  // Truncated last record, and a torn header.
  spit(path, good.substr(0, good.size() - 1));
  err = error_of(path);
  EXPECT_NE(err.find("record 5 "), std::string::npos) << err;
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  spit(path, good.substr(0, offs[5] + 5));
  err = error_of(path);
  EXPECT_NE(err.find("record 5 "), std::string::npos) << err;
  EXPECT_NE(err.find("truncated header"), std::string::npos) << err;

  spit(path, good);
  EXPECT_EQ(read_tensorboard_scalars(path).size(), 5u);
  EXPECT_THROW(read_tfrecords((tmp.path / "missing").string()), std::runtime_error);
}

TEST(TensorBoardReader, SkipsUnknownFieldsAndRejectsMalformedEvents) {
  // Event with fields this writer never emits (graph_def = 4, source_metadata = 10, a varint 99)
  // and a Value with metadata (9) before its simple_value; plus a Value with no simple_value.
  std::string value = std::string("\x4a\x02\x08\x01", 4) + "\x0a\x03" "acc" + std::string("\x15\x00\x00\x40\x3f", 5);
  std::string other = "\x0a\x03img\x22\x01x";  // tag + image (field 4): not a simple value
  std::string summary = "\x0a" + std::string(1, char(value.size())) + value + "\x0a" +
                        std::string(1, char(other.size())) + other;
  std::string ev = std::string("\x22\x02zz", 4) + "\x10\x2a" + "\x52\x01q" + std::string("\x98\x06\x05", 3) +
                   "\x2a" + std::string(1, char(summary.size())) + summary;
  const TensorBoardEvent e = parse_tensorboard_event(ev);
  EXPECT_EQ(e.step, 42);
  EXPECT_TRUE(e.has_summary);
  ASSERT_EQ(e.simple_values.size(), 1u);
  EXPECT_EQ(e.simple_values[0].first, "acc");
  EXPECT_EQ(e.simple_values[0].second, 0.75f);

  EXPECT_THROW(parse_tensorboard_event("\x10\x80"), std::runtime_error);       // truncated varint
  EXPECT_THROW(parse_tensorboard_event("\x2a\x05\x0a"), std::runtime_error);   // length past end
  EXPECT_THROW(parse_tensorboard_event("\x0b"), std::runtime_error);           // group wire type

  // Valid framing around a malformed Event: the error names the record.
  TempDir tmp;
  const std::string path = (tmp.path / "events.out.tfevents.0.test").string();
  std::string good_ev = "\x10\x01\x2a" + std::string(1, char(summary.size())) + summary;
  spit(path, frame(good_ev) + frame(good_ev) + frame("\x2a\x05\x0a"));

  try {
    read_tensorboard_events(path);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& ex) {
    const std::string msg = ex.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("record 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("malformed Event"), std::string::npos) << msg;
  }
  spit(path, frame(good_ev) + frame(good_ev));
  const auto sc = read_tensorboard_scalars(path);
  ASSERT_EQ(sc.size(), 2u);
  EXPECT_EQ(sc[1].tag, "acc");
  EXPECT_EQ(sc[1].step, 1);
}

// ---- metrics.jsonl ------------------------------------------------------------------------------

TEST(MetricsLog, LinesParseBackInOrderAndAppend) {
  TempDir tmp;
  const std::string path = (tmp.path / "out" / "metrics.jsonl").string();
  {
    MetricsLog log(path);
    log.log(100, 1, "train", {{"loss", 0.4123456789}, {"lr", 2.5e-5}, {"tokens", 123456}});
    // Visible before close: each line is flushed.
    EXPECT_EQ(slurp(path).back(), '\n');
    log.log(100, 1.5, "dev", {{"precision", 0.81}, {"recall", 0.79}, {"f1", 0.7998765432101234}});
    log.log(101, 2, "train", {{"loss", std::numeric_limits<double>::quiet_NaN()},
                              {"grad_norm", std::numeric_limits<double>::infinity()}});
  }
  {
    MetricsLog again(path);  // appends, does not truncate
    again.log(102, 2, "train", {});
  }

  std::ifstream in(path);
  std::vector<nlohmann::ordered_json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::ordered_json::parse(line));
  ASSERT_EQ(rows.size(), 4u);

  std::vector<std::string> keys;
  for (auto it = rows[0].begin(); it != rows[0].end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"step", "epoch", "split", "loss", "lr", "tokens"}));
  EXPECT_EQ(rows[0]["step"].get<int64_t>(), 100);
  EXPECT_TRUE(rows[0]["epoch"].is_number_integer());
  EXPECT_EQ(rows[0]["epoch"].get<int64_t>(), 1);
  EXPECT_EQ(rows[0]["split"], "train");
  EXPECT_EQ(rows[0]["loss"].get<double>(), 0.4123456789);  // doubles round-trip exactly
  EXPECT_EQ(rows[0]["lr"].get<double>(), 2.5e-5);
  EXPECT_EQ(rows[0]["tokens"].get<double>(), 123456.0);

  EXPECT_EQ(rows[1]["split"], "dev");
  EXPECT_TRUE(rows[1]["epoch"].is_number_float());
  EXPECT_EQ(rows[1]["epoch"].get<double>(), 1.5);
  EXPECT_EQ(rows[1]["f1"].get<double>(), 0.7998765432101234);
  EXPECT_EQ(rows[1].size(), 6u);

  EXPECT_TRUE(rows[2]["loss"].is_null());
  EXPECT_TRUE(rows[2]["grad_norm"].is_null());
  EXPECT_EQ(rows[3]["step"].get<int64_t>(), 102);
  EXPECT_EQ(rows[3].size(), 3u);
}

TEST(MetricsLog, RejectsReservedDuplicateAndEmptyNames) {
  TempDir tmp;
  const std::string path = (tmp.path / "metrics.jsonl").string();
  MetricsLog log(path);
  EXPECT_THROW(log.log(1, 0, "train", {{"step", 1.0}}), std::invalid_argument);
  EXPECT_THROW(log.log(1, 0, "train", {{"split", 1.0}}), std::invalid_argument);
  EXPECT_THROW(log.log(1, 0, "train", {{"", 1.0}}), std::invalid_argument);
  EXPECT_THROW(log.log(1, 0, "train", {{"loss", 1.0}, {"loss", 2.0}}), std::invalid_argument);
  EXPECT_THROW(log.log(1, 0, "", {{"loss", 1.0}}), std::invalid_argument);
  EXPECT_EQ(fs::file_size(path), 0u);  // nothing half-written
  log.close();
  EXPECT_THROW(log.log(1, 0, "train", {{"loss", 1.0}}), std::runtime_error);
}
