// A scratch folder for one test: new and empty (what an earlier run left is removed), under the
// system temp folder, its name made unique per process.
#pragma once
#include <filesystem>
#include <string>

#include <unistd.h>

namespace gtrain::test {

inline std::filesystem::path fresh_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace gtrain::test
