// Shared pieces of the libFuzzer targets (tests/fuzz/fuzz_*.cpp, built and run by scripts/fuzz.sh).
//
// What counts as a finding: a crash, an ASan/UBSan report (both abort in this build), an
// exception that is not a std::exception, a hang (libFuzzer's -timeout), or a violated invariant
// (fuzz_check: e.g. a reader returned an example that validation rejects). A std::exception with
// a message is the code's documented answer to bad input, not a finding.
#pragma once
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <set>
#include <string>
#include <vector>

// Aborts (a libFuzzer crash, the input saved as an artifact) when an invariant does not hold.
#define fuzz_check(cond)                                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "fuzz_check failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

namespace gtrain_fuzz {

// The readers take a path: each input goes to one fixed file per process and name, rewritten for
// every input, on tmpfs (/dev/shm) when there is one. Removed at exit (by an atexit handler: the
// names are never destroyed, since static destructors may run before it).
inline std::vector<std::string>& written_files() {
  static auto* files = new std::vector<std::string>;
  return *files;
}

inline const std::string& input_dir() {
  static const std::string* dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    const std::string base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (tmp && *tmp ? tmp : "/tmp");
    return new std::string(base + "/gtrain-fuzz-" + std::to_string(getpid()));
  }();
  return *dir;
}

inline void remove_inputs() {
  for (const std::string& f : written_files()) unlink(f.c_str());
  rmdir(input_dir().c_str());
}

// Writes data to <input_dir>/<name> and returns the path.
inline std::string write_input(const uint8_t* data, size_t size, const std::string& name) {
  static bool made = false;
  if (!made) {
    fuzz_check(mkdir(input_dir().c_str(), 0700) == 0 || access(input_dir().c_str(), W_OK) == 0);
    std::atexit(remove_inputs);
    made = true;
  }
  const std::string path = input_dir() + "/" + name;
  std::vector<std::string>& files = written_files();
  if (std::find(files.begin(), files.end(), path) == files.end()) files.push_back(path);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  fuzz_check(f != nullptr);
  if (size) fuzz_check(std::fwrite(data, 1, size, f) == size);
  fuzz_check(std::fclose(f) == 0);
  return path;
}

// GTRAIN_FUZZ_VERBOSE=1 prints the first 20 distinct messages of exceptions that are not the
// expected error type (to see what the fuzzer reaches; they are not findings).
inline void note_exception(const char* what_kind, const std::exception& e) {
  static const bool verbose = std::getenv("GTRAIN_FUZZ_VERBOSE") != nullptr;
  static auto* seen = new std::set<std::string>;
  if (!verbose || seen->size() >= 20) return;
  std::string msg = std::string(what_kind) + ": " + e.what();
  if (msg.size() > 300) msg.resize(300);
  if (seen->insert(msg).second) std::fprintf(stderr, "[fuzz] %s\n", msg.c_str());
}

}  // namespace gtrain_fuzz
