// A whole file as a string (bytes as they are); std::runtime_error naming the path when it cannot
// be read.
#pragma once
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace gtrain {

inline std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream whole;
  whole << in.rdbuf();
  return whole.str();
}

}  // namespace gtrain
