// Self-contained SHA-256 (FIPS 180-4): one-shot, incremental and whole-file digests as lowercase hex.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace gtrain {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t len);
  void update(const std::string& s) { update(s.data(), s.size()); }
  // Finishes the digest and returns 64 lowercase hex characters. The object is reset afterwards,
  // so it can be reused for a new message.
  std::string hex_digest();

 private:
  void reset();
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_len_ = 0;  // bytes
};

std::string sha256_hex(const std::string& data);

// Digest of a file's bytes; throws std::runtime_error naming the file if it cannot be read.
std::string sha256_file_hex(const std::string& path);

}  // namespace gtrain
