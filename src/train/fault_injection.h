// Failure drills for the multi-rank tests: GTRAIN_FAULT="RANK:STEP:KIND" makes rank RANK, right
// after optimizer step STEP, throw an exception (KIND throw), hang forever (hang: a stuck peer),
// or exit at once without a word (exit: a crash). STEP 0 (no optimizer step has that number) is
// a sweep trial's set-up, RANK then the world rank. Unset in normal use; read once.
#pragma once
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

namespace gtrain {

inline void maybe_inject_fault(int rank, int64_t step) {
  static const std::string spec = [] {
    const char* s = std::getenv("GTRAIN_FAULT");
    return std::string(s ? s : "");
  }();
  if (spec.empty()) return;
  int r = -1;
  long long s = -1;
  char kind[16] = {0};
  if (std::sscanf(spec.c_str(), "%d:%lld:%15s", &r, &s, kind) != 3 || r != rank || s != step) return;
  const std::string k = kind;
  if (k == "throw") throw std::runtime_error("injected fault (GTRAIN_FAULT=" + spec + ")");
  if (k == "exit") ::_exit(3);
  if (k == "hang")
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
}

}  // namespace gtrain
