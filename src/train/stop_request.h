// SIGTERM / SIGUSR1 (Slurm preemption, `scancel`, a time limit's warning signal) and SIGINT
// (Ctrl-C) ask the trainer to stop: the handler only sets a flag; the trainer all-reduces it with every step's statistics,
// so all ranks stop after the same step and rank 0 writes one checkpoint. A second signal is
// left to the default action (ends the process at once).
#pragma once
#include <signal.h>

#include <atomic>

namespace gtrain {

inline std::atomic<int>& stop_signal_number() {
  static std::atomic<int> sig{0};
  return sig;
}

inline void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = [](int s) {
    stop_signal_number().store(s);
    signal(s, SIG_DFL);  // the next one is not caught
  };
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGUSR1, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

}  // namespace gtrain
