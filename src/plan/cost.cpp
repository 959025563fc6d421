#include "plan/cost.h"

#include <algorithm>

namespace gtrain {

double asha_expected_budget(const AshaSettings& a, double max_budget) {
  if (!a.enabled) return max_budget;
  AshaSettings s = a;
  s.max_budget = max_budget;
  double expected = 0, done = 0, reach = 1.0;
  for (double r : s.rungs()) {
    if (r >= max_budget) break;
    expected += reach * (r - done);
    done = r;
    reach /= a.reduction_factor;
  }
  return expected + reach * (max_budget - done);
}

SweepWork sweep_work(const SweepConfig& s, int base_epochs, int64_t steps_per_epoch) {
  SweepWork w;
  w.trials = static_cast<int64_t>(make_trials(s).size());
  w.full_epochs = base_epochs;
  const bool steps = s.asha.unit == "steps";
  double max_budget = s.asha.max_budget > 0 ? s.asha.max_budget
                                            : (steps ? static_cast<double>(base_epochs * steps_per_epoch) : base_epochs);
  double expected = asha_expected_budget(s.asha, max_budget);
  if (steps && steps_per_epoch > 0) {
    expected /= static_cast<double>(steps_per_epoch);
    max_budget /= static_cast<double>(steps_per_epoch);
  }
  if (s.asha.enabled) w.full_epochs = max_budget;
  w.epochs_per_trial = expected;
  return w;
}

RunCost run_cost(double epoch_seconds, int epochs, int ranks, double usd_per_gpu_hour, int repeats,
                 const SweepWork* sweep) {
  RunCost c;
  c.run_hours = epoch_seconds * epochs / 3600.0;
  c.gpu_hours = c.run_hours * ranks;
  c.usd_per_gpu_hour = usd_per_gpu_hour;
  c.usd_run = c.gpu_hours * usd_per_gpu_hour;
  c.usd_repeats = c.usd_run * std::max(1, repeats);
  if (sweep) {
    c.sweep_hours = static_cast<double>(sweep->trials) * sweep->epochs_per_trial * epoch_seconds / 3600.0 * ranks;
    c.usd_sweep = c.sweep_hours * usd_per_gpu_hour;
  }
  return c;
}

}  // namespace gtrain
