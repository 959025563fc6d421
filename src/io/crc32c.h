// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by iSCSI, ext4 and TFRecord files.
// Table-driven, slicing-by-8, byte-order independent; tables are built at compile time.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace gtrain {

// CRC-32C of `n` bytes continuing from `crc`, the CRC-32C of the bytes before them (0 to start):
//   crc32c_extend(crc32c(a), b) == crc32c(a + b).
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);

inline uint32_t crc32c(const void* data, size_t n) { return crc32c_extend(0, data, n); }
inline uint32_t crc32c(const std::string& s) { return crc32c_extend(0, s.data(), s.size()); }

// TFRecord's masked CRC: rotate right by 15 bits and add a constant, so that a CRC stored inside
// CRC-covered data does not make the CRC of the whole degenerate.
//   mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8   (mod 2^32)
inline uint32_t crc32c_mask(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}
inline uint32_t crc32c_unmask(uint32_t masked) {
  const uint32_t rot = masked - 0xa282ead8u;
  return (rot >> 17) | (rot << 15);
}
inline uint32_t masked_crc32c(const void* data, size_t n) { return crc32c_mask(crc32c(data, n)); }

}  // namespace gtrain
