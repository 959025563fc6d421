#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include "io/sha256.h"

using gtrain::Sha256;
using gtrain::sha256_file_hex;
using gtrain::sha256_hex;

TEST(Sha256, StandardVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST(Sha256, MillionAIncremental) {
  Sha256 h;
  std::string chunk(1000, 'a');
  for (int i = 0; i < 1000; ++i) h.update(chunk.data(), chunk.size());
  EXPECT_EQ(h.hex_digest(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, IncrementalMatchesOneShotAcrossOddChunks) {
  std::string data;
  for (int i = 0; i < 1000; ++i) data.push_back(char(i * 31 + 7));
  const std::string want = sha256_hex(data);
  for (size_t step : {1u, 3u, 55u, 56u, 63u, 64u, 65u, 127u, 999u}) {
    Sha256 h;
    for (size_t pos = 0; pos < data.size(); pos += step)
      h.update(data.data() + pos, std::min(step, data.size() - pos));
    EXPECT_EQ(h.hex_digest(), want) << "step " << step;
  }
  // Padding edge cases: lengths around the 56-byte boundary.
  Sha256 reuse;
  for (size_t n : {55u, 56u, 57u, 63u, 64u}) {
    std::string s(n, 'x');
    reuse.update(s.data(), s.size());
    EXPECT_EQ(reuse.hex_digest(), sha256_hex(s)) << "len " << n;  // object resets after digest
  }
}

TEST(Sha256, FileDigestAndMissingFile) {
  std::string path = ::testing::TempDir() + "gtrain_sha256_test.bin";
  {
    std::ofstream f(path, std::ios::binary);
    f << "abc";
  }
  EXPECT_EQ(sha256_file_hex(path),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::remove(path.c_str());
  const std::string missing = "/nonexistent/dir/gtrain_no_such_file.bin";
  try {
    sha256_file_hex(missing);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
}
