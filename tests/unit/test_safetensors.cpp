// safetensors reader/writer: bit-exact round trips, the Python library's header layout, header
// validation errors, atomic writes.
#include <dirent.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "io/safetensors.h"
#include "support/error_of.h"
#include "support/file_bytes.h"

using namespace gtrain;

namespace {

class TmpDir {
 public:
  TmpDir() {
    char tmpl[] = "/tmp/gtrain_st_XXXXXX";
    char* d = ::mkdtemp(tmpl);
    if (!d) throw std::runtime_error("mkdtemp failed");
    path_ = d;
  }
  ~TmpDir() {
    for (const auto& f : list()) ::unlink((path_ + "/" + f).c_str());
    ::rmdir(path_.c_str());
  }
  std::string file(const std::string& n) const { return path_ + "/" + n; }
  std::vector<std::string> list() const {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(path_.c_str())) {
      while (dirent* e = ::readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") out.push_back(n);
      }
      ::closedir(d);
    }
    return out;
  }

 private:
  std::string path_;
};

std::string make_file(const std::string& header_json, const std::string& data) {
  std::string h = header_json;
  uint64_t n = h.size();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return out + h + data;
}

std::string error_of(const std::string& path) {
  return test::error_text_of<std::runtime_error>([&] { SafetensorsFile f(path); });
}

}  // namespace

TEST(Safetensors, DtypeNames) {
  for (DType d : {DType::F32, DType::F16, DType::BF16, DType::F64, DType::I64, DType::I32, DType::I16,
                  DType::I8, DType::U8, DType::BOOL})
    EXPECT_EQ(parse_dtype(dtype_name(d)), d);
  EXPECT_EQ(dtype_size(DType::BF16), 2u);
  EXPECT_EQ(dtype_size(DType::I64), 8u);
  EXPECT_EQ(dtype_size(DType::BOOL), 1u);
  EXPECT_THROW(parse_dtype("F8_E4M3"), std::runtime_error);
}

TEST(Safetensors, RoundTripBitExact) {
  TmpDir dir;
  std::vector<float> f32 = {1.5f, -0.0f, std::numeric_limits<float>::infinity(), 3.25e-38f, 1e-45f, 7.0f};
  uint32_t nan_bits = 0x7fc01234u;  // NaN with a payload
  float nan;
  std::memcpy(&nan, &nan_bits, 4);
  f32.push_back(nan);
  f32.push_back(-2.0f);
  std::vector<uint16_t> f16 = {0x3c00, 0x8000, 0x7c00, 0x7e01, 0x0001, 0xabcd};
  std::vector<uint16_t> bf16 = {0x3f80, 0xc000, 0x7f81, 0x0001};
  std::vector<int64_t> i64 = {0, -1, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), 42};
  std::vector<uint8_t> bools = {1, 0, 0, 1, 1, 1};
  std::vector<int32_t> i32 = {-7, 8};
  std::vector<uint8_t> u8 = {0, 255, 17};
  std::vector<double> f64 = {3.141592653589793};

  std::vector<TensorView> views = {
      {"w.f32", DType::F32, {2, 4}, f32.data()},
      {"a.f16", DType::F16, {3, 2}, f16.data()},
      {"b.bf16", DType::BF16, {4}, bf16.data()},
      {"ids", DType::I64, {5}, i64.data()},
      {"mask", DType::BOOL, {2, 3}, bools.data()},
      {"i32", DType::I32, {2}, i32.data()},
      {"u8", DType::U8, {3}, u8.data()},
      {"scalar", DType::F64, {}, f64.data()},
      {"empty", DType::F32, {0, 3}, nullptr},
  };
  const std::string p = dir.file("rt.safetensors");
  write_safetensors(p, views, {{"format", "pt"}, {"note", "한국어 \"quoted\""}});

  SafetensorsFile f(p);
  EXPECT_EQ(f.tensors().size(), views.size());
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.metadata().at("note"), "한국어 \"quoted\"");
  for (const auto& v : views) {
    const TensorInfo* t = f.find(v.name);
    ASSERT_NE(t, nullptr) << v.name;
    EXPECT_EQ(t->dtype, v.dtype) << v.name;
    EXPECT_EQ(t->shape, v.shape) << v.name;
    size_t nb = t->numel() * dtype_size(t->dtype);
    ASSERT_EQ(t->nbytes(), nb);
    if (nb) {
      EXPECT_EQ(std::memcmp(f.data(*t), v.data, nb), 0) << v.name;
    }
  }
  EXPECT_EQ(f.find("nope"), nullptr);
  // Data starts 8-byte aligned relative to the file start.
  EXPECT_EQ(f.header_size() % 8, 0u);

  // Writing what we read gives the same bytes.
  std::vector<TensorView> again;
  for (const auto& t : f.tensors()) again.push_back({t.name, t.dtype, t.shape, f.data(t)});
  const std::string p2 = dir.file("rt2.safetensors");
  write_safetensors(p2, again, f.metadata());
  EXPECT_EQ(test::read_file_bytes(p), test::read_file_bytes(p2));
}

TEST(Safetensors, HeaderLayoutMatchesPythonLibrary) {
  float a[2] = {1, 2}, b[1] = {3};
  int64_t c[1] = {4};
  uint8_t d[1] = {1};
  std::vector<TensorView> v = {{"zeta", DType::F32, {2}, a},
                               {"alpha", DType::F32, {1}, b},
                               {"mask", DType::BOOL, {1}, d},
                               {"ids", DType::I64, {1}, c}};
  std::vector<size_t> order;
  std::string h = safetensors_header(v, {{"generator", "x"}}, &order);
  EXPECT_EQ(h.size() % 8, 0u);
  std::string expect =
      "{\"__metadata__\":{\"generator\":\"x\"},"
      "\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
      "\"alpha\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
      "\"zeta\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]},"
      "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[1],\"data_offsets\":[20,21]}}";
  ASSERT_GE(h.size(), expect.size());
  EXPECT_EQ(h.substr(0, expect.size()), expect);
  EXPECT_EQ(h.find_first_not_of(' ', expect.size()), std::string::npos);  // space padding only
  EXPECT_EQ(order, (std::vector<size_t>{3, 1, 0, 2}));

  // One dtype: sorted by name, no metadata entry.
  std::vector<TensorView> v2 = {{"b", DType::F32, {1}, b}, {"a", DType::F32, {2}, a}};
  std::string h2 = safetensors_header(v2, {});
  EXPECT_EQ(h2.rfind("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":", 0), 0u) << h2;

  EXPECT_THROW(safetensors_header({{"x", DType::F32, {1}, b}, {"x", DType::F32, {1}, b}}, {}),
               std::runtime_error);
}

// The golden fixture was written by the Python library; reading and rewriting it must reproduce
// every byte.
TEST(Safetensors, RewritesPythonFileByteForByte) {
  for (const char* name : {"tensors.safetensors", "model.safetensors"}) {
    const std::string p = std::string(GTRAIN_SOURCE_DIR) + "/../shared/fixtures/gliner2_tiny/" + name;
    if (::access(p.c_str(), R_OK) != 0) {
      GTEST_SKIP() << "fixture absent: " << p;
    }
    SafetensorsFile f(p);
    std::vector<TensorView> v;
    for (const auto& t : f.tensors()) v.push_back({t.name, t.dtype, t.shape, f.data(t)});
    TmpDir dir;
    const std::string out = dir.file("copy.safetensors");
    write_safetensors(out, v, f.metadata());
    EXPECT_TRUE(test::read_file_bytes(out) == test::read_file_bytes(p)) << name;
  }
}

TEST(Safetensors, CorruptHeadersAreRejected) {
  TmpDir dir;
  auto check = [&](const std::string& fname, const std::string& bytes,
                   std::vector<std::string> needles) {
    const std::string p = dir.file(fname);
    test::write_file_bytes(p, bytes);
    std::string e = error_of(p);
    EXPECT_FALSE(e.empty()) << fname << " was accepted";
    EXPECT_NE(e.find(p), std::string::npos) << e;  // names the file
    for (const auto& n : needles) EXPECT_NE(e.find(n), std::string::npos) << fname << ": " << e;
  };
  const std::string data8(8, '\x01');
  check("short", "abc", {"too small"});
  // Header length beyond the file.
  std::string big = make_file("{}", "");
  big[0] = '\xff';
  big[1] = '\x7f';
  check("biglen", big, {"exceeds"});
  check("notjson", make_file("{\"a\":{\"dtype\":", data8), {"JSON"});
  check("notobj", make_file("[1,2,3]", ""), {"'{'"});
  check("range", make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", data8),
        {"'w'", "out of range"});
  check("size", make_file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", data8),
        {"'w'", "needs 12 bytes"});
  check("overlap",
        make_file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                  "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                  data8),
        {"overlaps"});
  check("dtype", make_file("{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", data8),
        {"'w'", "Q4"});
  check("backwards", make_file("{\"w\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,2]}}", data8),
        {"'w'", "end < begin"});
  check("negshape", make_file("{\"w\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", data8),
        {"'w'", "shape"});
  check("meta", make_file("{\"__metadata__\":{\"k\":1}}", ""), {"__metadata__"});
  EXPECT_NE(error_of(dir.file("missing")).find("cannot open"), std::string::npos);

  // A valid hand-made file (with a hole and out-of-order offsets) is accepted.
  const std::string p = dir.file("ok");
  test::write_file_bytes(p, make_file("{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[6,8]},"
                           "\"a\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[0,2]}}",
                           data8));
  SafetensorsFile f(p);
  ASSERT_EQ(f.tensors().size(), 2u);
  EXPECT_EQ(f.tensors()[0].name, "b");  // header order kept
  EXPECT_EQ(*static_cast<const uint8_t*>(f.data(*f.find("b"))), 1);
}

TEST(Safetensors, AtomicWriteLeavesNoTempFile) {
  TmpDir dir;
  float a[3] = {1, 2, 3};
  const std::string p = dir.file("m.safetensors");
  write_safetensors(p, {{"a", DType::F32, {3}, a}});
  EXPECT_EQ(dir.list(), std::vector<std::string>{"m.safetensors"});
  // Overwrite in place.
  a[0] = 9;
  write_safetensors(p, {{"a", DType::F32, {3}, a}, {"b", DType::F32, {1}, a}});
  EXPECT_EQ(dir.list(), std::vector<std::string>{"m.safetensors"});
  SafetensorsFile f(p);
  EXPECT_EQ(f.tensors().size(), 2u);
  EXPECT_EQ(static_cast<const float*>(f.data(*f.find("a")))[0], 9.0f);
  // A failed write (duplicate name) leaves the old file alone and no temp file.
  EXPECT_THROW(write_safetensors(p, {{"a", DType::F32, {1}, a}, {"a", DType::F32, {1}, a}}),
               std::runtime_error);
  EXPECT_EQ(dir.list(), std::vector<std::string>{"m.safetensors"});
  // Unwritable destination: clear error.
  try {
    write_safetensors(dir.file("no/such/dir/x.safetensors"), {{"a", DType::F32, {1}, a}});
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot create"), std::string::npos) << e.what();
  }
}
