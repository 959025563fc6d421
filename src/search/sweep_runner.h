// `gtrain sweep SWEEP.yaml --ranks-per-trial G`: one mpirun runs a whole hyperparameter search.
//
//   world of N ranks --MPI_Comm_split--> N / G trial groups of G ranks (ranks g*G .. g*G+G-1)
//   world rank 0 also runs the coordinator (a thread): it hands trials out in id order to
//   whichever group asks next (a group that finishes early takes the next one), answers ASHA rung
//   reports (search/asha.h), and writes every decision and result to the journal
//   (search/journal.h) before acting on it.
//   each group leader asks for a trial, broadcasts it to its group, and the group trains it
//   data-parallel (run_training with the group); at each dev evaluation the leader reports the
//   metric when a rung is reached and broadcasts continue/stop.
//
// A trial that fails on every rank of its group (divergence, a bad config value, an error that
// every rank hits) is recorded as failed with its error and the sweep goes on. A failure on one
// rank only (e.g. one GPU out of memory) leaves that group's other ranks inside a collective:
// the job then ends after comm.timeout_s with a message, and `--resume` continues it.
// --resume reads the journal: ended trials are not run again (their rung results feed ASHA as
// before), trials that had started but not ended run again from the start; a journal whose
// trials the sweep file no longer makes is refused (check_journal_matches).
#pragma once
#include <stdexcept>
#include <string>

#include "dist/group.h"
#include "search/leaderboard.h"
#include "search/sweep_config.h"

namespace gtrain {

struct SweepOptions {
  int ranks_per_trial = 1;
  bool resume = false;
  bool retry_failed = false;  // with resume: failed trials run again (the cause fixed: a path, memory)
};

struct SweepSummary {
  int trials = 0, completed = 0, stopped = 0, failed = 0, skipped_done = 0;
  std::string leaderboard_md, output_dir;
  std::string best_config;  // its path; empty when no trial completed (none is written)
};

// SIGTERM/SIGUSR1 during a one-process sweep (on several ranks the job is aborted instead: the
// other groups are mid-trial). The interrupted trial is not recorded.
struct SweepInterrupted : std::runtime_error {
  SweepInterrupted(const std::string& what, int sig) : std::runtime_error(what), signal(sig) {}
  int signal;
};

// Runs on every rank of `world`; the summary is complete on world rank 0.
SweepSummary run_sweep(const SweepConfig& s, dist::Group& world, const SweepOptions& opts);

}  // namespace gtrain
