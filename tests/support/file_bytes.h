// A whole file as bytes and back, for tests that corrupt, truncate or compare files.
#pragma once
#include <fstream>
#include <sstream>
#include <string>

namespace gtrain::test {

// The file's bytes; "" when it cannot be opened.
inline std::string read_file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream o;
  o << f.rdbuf();
  return o.str();
}

inline void write_file_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace gtrain::test
