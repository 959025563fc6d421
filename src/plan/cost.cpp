#include "plan/cost.h"

#include <algorithm>
#include <cstdlib>

#include "io/input_error.h"

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

namespace {

// A trial's epochs: its searched optim.epochs, or the base config's.
double trial_epochs(const SweepConfig& s, const TrialSpec& t, int base_epochs) {
  const std::string key = "optim.epochs=";
  for (const std::string& p : t.params) {
    if (p.compare(0, key.size(), key) != 0) continue;
    char* end = nullptr;
    const double e = std::strtod(p.c_str() + key.size(), &end);
    if (end == p.c_str() + key.size() || *end != '\0' || !(e > 0))
      throw InputError(s.file, 0, "space.optim.epochs", "not a positive number of epochs: " + p.substr(key.size()));
    return e;
  }
  return base_epochs;
}

struct TrialBudget {
  double expected = 0, full = 0;  // epochs
};

// What one trial trains: without ASHA its own epochs; under ASHA the expected budget of
// asha_expected_budget up to max_budget (in epochs: the base's epochs when the file gives none;
// in steps: max_budget steps, or its epochs' steps if those end first).
TrialBudget trial_budget(const AshaSettings& a, double epochs, int64_t steps_per_epoch) {
  if (!a.enabled) return {epochs, epochs};
  if (a.unit != "steps") {
    const double m = a.max_budget > 0 ? a.max_budget : epochs;
    return {asha_expected_budget(a, m), m};
  }
  const double spe = static_cast<double>(std::max<int64_t>(1, steps_per_epoch));
  const double m = std::min(a.max_budget, epochs * spe);
  return {asha_expected_budget(a, m) / spe, m / spe};
}

}  // namespace

SweepWork sweep_work(const SweepConfig& s, int base_epochs, int64_t steps_per_epoch) {
  SweepWork w;
  const std::vector<TrialSpec> trials = make_trials(s);
  w.trials = static_cast<int64_t>(trials.size());
  double sum = 0;
  for (const TrialSpec& t : trials) {
    const TrialBudget b = trial_budget(s.asha, trial_epochs(s, t, base_epochs), steps_per_epoch);
    sum += b.expected;
    w.full_epochs = std::max(w.full_epochs, b.full);
  }
  w.epochs_per_trial = trials.empty() ? 0 : sum / static_cast<double>(trials.size());
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
