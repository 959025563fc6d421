// Cost of a run, of its repeats and of a sweep: GPU-hours x the cheapest listed price per GPU-hour.
// A sweep's trials each train up to the full budget; under ASHA a trial stops at rung k with the
// expected share 1 - 1/reduction_factor, so it trains the expected epochs of asha_expected_epochs.
// Torch-free.
#pragma once
#include <cstdint>

#include "search/sweep_config.h"

namespace gtrain {

// Expected training budget of one ASHA trial, in the budget's unit: rungs r0 < r1 < ... below the
// max budget M, a share 1/rf of the trials reaching each rung continuing:
//   r0 + (r1 - r0)/rf + (r2 - r1)/rf^2 + ... + (M - r_last)/rf^(k+1).
// Without ASHA, the full budget M.
double asha_expected_budget(const AshaSettings& a, double max_budget);

struct SweepWork {
  int64_t trials = 0;             // configurations x repeats (make_trials)
  double epochs_per_trial = 0;    // expected, ASHA included (the mean over the trials)
  double full_epochs = 0;         // the longest trial that runs to the end
};

// The trials of a sweep file and the expected epochs each trains; `base_epochs` is the base
// config's optim.epochs: what a trial trains without ASHA (unless it searches optim.epochs:
// then its own), ASHA's max budget when the file gives none. steps_per_epoch converts a budget
// in steps.
SweepWork sweep_work(const SweepConfig& s, int base_epochs, int64_t steps_per_epoch);

struct RunCost {
  double run_hours = 0;       // wall-clock of one run
  double gpu_hours = 0;       // x ranks
  double usd_per_gpu_hour = 0;
  double usd_run = 0;
  double usd_repeats = 0;     // x repeats
  double sweep_hours = 0;     // GPU-hours of the sweep (0 without one)
  double usd_sweep = 0;
};

RunCost run_cost(double epoch_seconds, int epochs, int ranks, double usd_per_gpu_hour, int repeats,
                 const SweepWork* sweep);

}  // namespace gtrain
