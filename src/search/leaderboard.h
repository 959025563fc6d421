// Sweep results: every trial's outcome, the leaderboard (CSV and Markdown, best first), the
// per-configuration summary over repeats (mean ± sample std of the completed runs) and the best
// configuration as a ready-to-run training config. Torch-free.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "search/sweep_config.h"

namespace gtrain {

struct TrialResult {
  TrialSpec spec;
  std::string status;   // completed | stopped (by ASHA) | failed
  double metric = 0;    // the sweep metric at the dev-selected threshold (last evaluation for stopped)
  double threshold = 0;
  int64_t steps = 0;
  double budget = 0;    // epochs or steps trained
  int ranks = 0;        // ranks the trial ran on
  std::string error;    // failed: why
};

struct ConfigSummary {
  int64_t config_index = 0;
  std::vector<std::string> params;
  int completed = 0, stopped = 0, failed = 0;
  double mean = 0, std = 0;  // over completed repeats (std = 0 for one)
};

// Configurations ordered best first by mean goal (configurations with no completed run last).
std::vector<ConfigSummary> summarize(const SweepConfig& s, const std::vector<TrialResult>& results);

// Writes <dir>/leaderboard.csv, leaderboard.md and best_config.yaml (the base config with the
// fixed overrides and the best configuration's parameters, resolved) atomically. Returns the
// Markdown text.
std::string write_leaderboard(const SweepConfig& s, const std::vector<TrialResult>& results, const std::string& dir);

}  // namespace gtrain
