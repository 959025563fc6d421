#include "io/tensorboard_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include <spdlog/spdlog.h>

#include "io/crc32c.h"

namespace gtrain {
namespace {

// ---- protobuf wire encoding -----------------------------------------------------------------
enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

void put_varint(std::string& s, uint64_t v) {
  while (v >= 0x80) {
    s.push_back(char(uint8_t(v) | 0x80));
    v >>= 7;
  }
  s.push_back(char(uint8_t(v)));
}
void put_key(std::string& s, uint32_t field, Wire wire) { put_varint(s, (uint64_t(field) << 3) | wire); }
void put_le(std::string& s, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) s.push_back(char(uint8_t(v >> (8 * i))));
}
void put_double(std::string& s, uint32_t field, double d) {
  uint64_t bits;
  std::memcpy(&bits, &d, 8);
  put_key(s, field, kFixed64);
  put_le(s, bits, 8);
}
void put_float(std::string& s, uint32_t field, float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  put_key(s, field, kFixed32);
  put_le(s, bits, 4);
}
void put_bytes(std::string& s, uint32_t field, const std::string& b) {
  put_key(s, field, kLengthDelimited);
  put_varint(s, b.size());
  s += b;
}

// Event / Summary / Summary.Value field numbers (event.proto, summary.proto).
constexpr uint32_t kEventWallTime = 1, kEventStep = 2, kEventFileVersion = 3, kEventSummary = 5;
constexpr uint32_t kSummaryValue = 1;
constexpr uint32_t kValueTag = 1, kValueSimpleValue = 2;

std::string encode_file_version_event(double wall_time) {
  std::string ev;
  put_double(ev, kEventWallTime, wall_time);
  put_bytes(ev, kEventFileVersion, "brain.Event:2");
  return ev;
}

std::string encode_scalar_event(double wall_time, int64_t step,
                                const std::vector<std::pair<std::string, double>>& values) {
  std::string summary, value;
  for (const auto& [tag, v] : values) {
    value.clear();
    put_bytes(value, kValueTag, tag);
    put_float(value, kValueSimpleValue, static_cast<float>(v));  // always present (oneof)
    put_bytes(summary, kSummaryValue, value);
  }
  std::string ev;
  put_double(ev, kEventWallTime, wall_time);
  put_key(ev, kEventStep, kVarint);
  put_varint(ev, static_cast<uint64_t>(step));
  put_bytes(ev, kEventSummary, summary);
  return ev;
}

uint64_t load_le(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t(uint8_t(p[i])) << (8 * i);
  return v;
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  std::string h(buf);
  for (char& c : h)
    if (c == '/' || c == '\\' || std::iscntrl(static_cast<unsigned char>(c))) c = '_';
  return h;
}

std::atomic<int> g_writer_counter{0};

// ---- protobuf wire decoding -----------------------------------------------------------------
struct Cursor {
  const char* p;
  const char* end;

  bool done() const { return p >= end; }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) throw std::runtime_error("truncated varint");
      const uint8_t b = uint8_t(*p++);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw std::runtime_error("varint longer than 10 bytes");
  }
  uint64_t fixed(int bytes) {
    if (end - p < bytes) throw std::runtime_error("truncated fixed" + std::to_string(8 * bytes));
    const uint64_t v = load_le(p, bytes);
    p += bytes;
    return v;
  }
  std::string bytes() {
    const uint64_t n = varint();
    if (n > uint64_t(end - p)) throw std::runtime_error("length-delimited field runs past its message");
    std::string s(p, size_t(n));
    p += n;
    return s;
  }
  void skip(uint32_t wire) {
    switch (wire) {
      case kVarint: varint(); break;
      case kFixed64: fixed(8); break;
      case kLengthDelimited: bytes(); break;
      case kFixed32: fixed(4); break;
      default: throw std::runtime_error("unsupported wire type " + std::to_string(wire));
    }
  }
};

void parse_summary(const std::string& msg, TensorBoardEvent& ev) {
  Cursor c{msg.data(), msg.data() + msg.size()};
  while (!c.done()) {
    const uint64_t key = c.varint();
    const uint32_t field = uint32_t(key >> 3), wire = uint32_t(key & 7);
    if (field != kSummaryValue || wire != kLengthDelimited) {
      c.skip(wire);
      continue;
    }
    const std::string value = c.bytes();
    Cursor v{value.data(), value.data() + value.size()};
    std::string tag;
    std::optional<float> simple;
    while (!v.done()) {
      const uint64_t vkey = v.varint();
      const uint32_t vfield = uint32_t(vkey >> 3), vwire = uint32_t(vkey & 7);
      if (vfield == kValueTag && vwire == kLengthDelimited) {
        tag = v.bytes();
      } else if (vfield == kValueSimpleValue && vwire == kFixed32) {
        const uint32_t bits = uint32_t(v.fixed(4));
        float f;
        std::memcpy(&f, &bits, 4);
        simple = f;
      } else {
        v.skip(vwire);
      }
    }
    if (simple) ev.simple_values.emplace_back(std::move(tag), *simple);
  }
}

}  // namespace

double unix_time_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// ---- writer ---------------------------------------------------------------------------------
TensorBoardWriter::TensorBoardWriter(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error("TensorBoard: cannot create directory " + dir + ": " + ec.message());

  const double now = unix_time_now();
  const std::string host = host_name();
  const long long pid = static_cast<long long>(getpid());
  int fd = -1;
  for (int attempt = 0; attempt < 1000 && fd < 0; ++attempt) {
    char stamp[32];
    std::snprintf(stamp, sizeof stamp, "%010lld", static_cast<long long>(std::time(nullptr)));
    const int n = g_writer_counter.fetch_add(1);
    path_ = (std::filesystem::path(dir) / ("events.out.tfevents." + std::string(stamp) + "." + host +
                                            "." + std::to_string(pid) + "." + std::to_string(n)))
                .string();
    fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 && errno != EEXIST)
      throw std::runtime_error("TensorBoard: cannot create " + path_ + ": " + std::strerror(errno));
  }
  if (fd < 0) throw std::runtime_error("TensorBoard: no free event file name in " + dir);
  f_ = ::fdopen(fd, "wb");
  if (!f_) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error("TensorBoard: cannot open " + path_ + ": " + std::strerror(err));
  }
  try {
    std::lock_guard<std::mutex> lock(mu_);
    write_record(encode_file_version_event(now));
    flush_locked();
  } catch (...) {
    std::fclose(f_);
    f_ = nullptr;
    throw;
  }
}

TensorBoardWriter::~TensorBoardWriter() {
  try {
    close();
  } catch (const std::exception& e) {
    spdlog::warn("{}", e.what());
  }
}

void TensorBoardWriter::add_scalar(const std::string& tag, int64_t step, double value,
                                   std::optional<double> wall_time) {
  add_scalars(step, {{tag, value}}, wall_time);
}

void TensorBoardWriter::add_scalars(int64_t step,
                                    const std::vector<std::pair<std::string, double>>& values,
                                    std::optional<double> wall_time) {
  if (values.empty()) return;
  const std::string ev = encode_scalar_event(wall_time ? *wall_time : unix_time_now(), step, values);
  std::lock_guard<std::mutex> lock(mu_);
  write_record(ev);
  flush_locked();
}

void TensorBoardWriter::write_record(const std::string& data) {
  if (!f_) throw std::runtime_error("TensorBoard: write after close: " + path_);
  std::string rec;
  rec.reserve(data.size() + 16);
  put_le(rec, data.size(), 8);
  put_le(rec, masked_crc32c(rec.data(), 8), 4);
  rec += data;
  put_le(rec, masked_crc32c(data.data(), data.size()), 4);
  if (std::fwrite(rec.data(), 1, rec.size(), f_) != rec.size())
    throw std::runtime_error("TensorBoard: write failed: " + path_ + ": " + std::strerror(errno));
}

void TensorBoardWriter::flush_locked() {
  if (f_ && std::fflush(f_) != 0)
    throw std::runtime_error("TensorBoard: flush failed: " + path_ + ": " + std::strerror(errno));
}

void TensorBoardWriter::flush() {
  std::lock_guard<std::mutex> lock(mu_);
  flush_locked();
}

void TensorBoardWriter::close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!f_) return;
  std::FILE* f = f_;
  f_ = nullptr;
  const bool flush_ok = std::fflush(f) == 0;
  const int flush_errno = errno;
  const bool close_ok = std::fclose(f) == 0;
  if (!flush_ok || !close_ok)
    throw std::runtime_error("TensorBoard: closing " + path_ + " failed: " +
                             std::strerror(flush_ok ? errno : flush_errno));
}

// ---- reader ---------------------------------------------------------------------------------
std::vector<std::string> read_tfrecords(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot open");
  const std::string buf((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error(path + ": read error");

  std::vector<std::string> records;
  size_t off = 0;
  while (off < buf.size()) {
    const size_t index = records.size();
    auto fail = [&](const std::string& what) {
      std::ostringstream os;
      os << path << ": record " << index << " (offset " << off << "): " << what;
      throw std::runtime_error(os.str());
    };
    const size_t left = buf.size() - off;
    if (left < 12)
      fail("truncated header (" + std::to_string(left) + " bytes left, a header takes 12)");
    const char* p = buf.data() + off;
    const uint64_t len = load_le(p, 8);
    const uint32_t len_stored = uint32_t(load_le(p + 8, 4));
    const uint32_t len_computed = masked_crc32c(p, 8);
    if (len_stored != len_computed)
      fail("length CRC mismatch (stored " + hex32(len_stored) + ", computed " + hex32(len_computed) + ")");
    if (len > left - 12 || left - 12 - len < 4)
      fail("truncated data (length " + std::to_string(len) + ", only " + std::to_string(left - 12) +
           " bytes follow the header, data and its CRC need " + std::to_string(len + 4) + ")");
    const uint32_t data_stored = uint32_t(load_le(p + 12 + len, 4));
    const uint32_t data_computed = masked_crc32c(p + 12, size_t(len));
    if (data_stored != data_computed)
      fail("data CRC mismatch (stored " + hex32(data_stored) + ", computed " + hex32(data_computed) + ")");
    records.emplace_back(p + 12, size_t(len));
    off += 12 + size_t(len) + 4;
  }
  return records;
}

TensorBoardEvent parse_tensorboard_event(const std::string& bytes) {
  TensorBoardEvent ev;
  Cursor c{bytes.data(), bytes.data() + bytes.size()};
  while (!c.done()) {
    const uint64_t key = c.varint();
    const uint32_t field = uint32_t(key >> 3), wire = uint32_t(key & 7);
    if (field == kEventWallTime && wire == kFixed64) {
      const uint64_t bits = c.fixed(8);
      std::memcpy(&ev.wall_time, &bits, 8);
    } else if (field == kEventStep && wire == kVarint) {
      ev.step = static_cast<int64_t>(c.varint());
    } else if (field == kEventFileVersion && wire == kLengthDelimited) {
      ev.file_version = c.bytes();
    } else if (field == kEventSummary && wire == kLengthDelimited) {
      ev.has_summary = true;
      parse_summary(c.bytes(), ev);
    } else {
      c.skip(wire);
    }
  }
  return ev;
}

std::vector<TensorBoardEvent> read_tensorboard_events(const std::string& path) {
  const std::vector<std::string> records = read_tfrecords(path);
  std::vector<TensorBoardEvent> events;
  events.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    try {
      events.push_back(parse_tensorboard_event(records[i]));
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(path + ": record " + std::to_string(i) + ": malformed Event: " + e.what());
    }
  }
  return events;
}

std::vector<TensorBoardScalar> read_tensorboard_scalars(const std::string& path) {
  std::vector<TensorBoardScalar> out;
  for (const TensorBoardEvent& ev : read_tensorboard_events(path))
    for (const auto& [tag, value] : ev.simple_values) out.push_back({tag, ev.step, value, ev.wall_time});
  return out;
}

}  // namespace gtrain
