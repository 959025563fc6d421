// Asynchronous successive halving (ASHA, Li et al. 2018) in its stopping form, made
// deterministic: trial i reaching rung k (a budget of grace_period * reduction_factor^k epochs
// or steps) continues only when its metric is at least the (1 - 1/reduction_factor) quantile
// (linear interpolation, as numpy's percentile) of the rung-k metrics of trials 0..i; otherwise
// it stops there.
//
// Why "trials 0..i" and not "whoever reported first": the decision then depends only on the
// trials' results, never on which group finished first, so a sweep gives the same decisions on
// any number of groups and after --resume. The price: the decision for trial i waits until
// every lower-numbered trial has reached rung k or ended before it. Lower-numbered trials were
// started earlier, so the wait is short when trials run at similar speeds. Torch-free.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace gtrain {

class AshaScheduler {
 public:
  AshaScheduler(std::vector<double> rung_budgets, double reduction_factor);

  const std::vector<double>& rungs() const { return rungs_; }

  // A trial's metric at rung k (higher is better).
  void report(int64_t trial, size_t rung, double goal);
  // The trial ended (completed, stopped or failed); rungs it did not reach will never come.
  void ended(int64_t trial);
  // Decision for (trial, rung): nullopt while a lower-numbered trial may still report at this
  // rung; true = continue, false = stop. `cutoff` receives the quantile compared against.
  std::optional<bool> decide(int64_t trial, size_t rung, double* cutoff = nullptr) const;

 private:
  std::vector<double> rungs_;
  double rf_;
  std::vector<std::map<int64_t, double>> values_;  // per rung: trial -> goal
  std::set<int64_t> ended_;
};

}  // namespace gtrain
