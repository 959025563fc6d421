// The sweep file of `gtrain sweep SWEEP.yaml` (docs/sweeps.md) and the trials it stands for.
// Torch-free.
//
//   base: ../configs/quickstart.yaml      # a training config (relative to this file)
//   set: {optim.epochs: 4}                # fixed overrides for every trial (like --set)
//   space:                                # one entry per config key to search
//     optim.head_lr:    {type: log_uniform, low: 1.0e-4, high: 1.0e-2}
//     optim.encoder_lr: {type: choice, values: [1.0e-5, 2.0e-5, 5.0e-5]}
//     optim.warmup_ratio: {type: uniform, low: 0.0, high: 0.2}
//     optim.batch_size: {type: int, low: 4, high: 16}
//   method: random                        # random | grid
//   trials: 10                            # random: configurations drawn; grid: at most this many (0 = all)
//   seed: 0                               # the random method's draws
//   repeats: 3                            # runs per configuration, optim.seed = base seed + repeat
//   metric: micro_f1                      # dev metric at the best threshold (maximised) | macro_f1 | ... | loss (minimised)
//   asha: {enabled: true, grace_period: 1, reduction_factor: 3, max_budget: 9, unit: epochs}
//   output_dir: ../runs/sweep
//
// Trial t = configuration t / repeats, repeat t % repeats. Every trial's overrides are a pure
// function of the file, so a resumed sweep regenerates the same trials.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gtrain {

struct SearchDim {
  std::string key;                  // dotted training-config key
  enum class Kind { Choice, Uniform, LogUniform, Int } kind = Kind::Choice;
  std::vector<std::string> values;  // choice: YAML scalars as written
  double low = 0, high = 0;         // uniform / log_uniform / int (inclusive)
};

struct AshaSettings {
  bool enabled = false;
  double grace_period = 1;      // budget of the first rung
  double reduction_factor = 3;  // keep the top 1/reduction_factor at each rung
  double max_budget = 0;        // budget of a full trial (epochs or steps); 0 = the base config's epochs
                                // (unit: epochs; unit: steps requires it)
  std::string unit = "epochs";  // epochs | steps
  // Rung budgets: grace_period * reduction_factor^k below max_budget.
  std::vector<double> rungs() const;
};

struct SweepConfig {
  std::string file, base_config;
  std::vector<std::string> fixed_overrides;  // "key=value"
  std::vector<SearchDim> space;
  std::string method = "random";
  int trials = 10;
  uint64_t seed = 0;
  int repeats = 1;
  std::string metric = "micro_f1";
  AshaSettings asha;
  std::string output_dir;
};

// Reads and checks a sweep file (unknown keys, wrong types, empty spaces and bad ranges are
// InputErrors naming file, line and key). Paths resolve against the file's folder.
SweepConfig load_sweep_config(const std::string& path);

// `gtrain sweep --set key=value --output-dir DIR`: each --set joins the file's set: (after it, so
// it wins) and is checked the same way through the base config's parser; a key the space searches
// is refused (every trial would replace it). output_dir (relative to the current folder) replaces
// the file's. Errors are InputErrors naming --set.
void apply_sweep_command_line(SweepConfig* s, const std::vector<std::string>& sets, const std::string& output_dir);

struct TrialSpec {
  int64_t id = 0, config_index = 0, repeat = 0;
  std::vector<std::string> params;  // the searched "key=value" of its configuration
};

// All trials, in id order: every configuration's repeats are consecutive.
std::vector<TrialSpec> make_trials(const SweepConfig& s);

// The `--set` overrides a configuration of `params` trains with: the file's fixed ones, the
// parameters, the metric early stopping watches, and optim.epochs = ceil(max_budget) under ASHA in
// epochs (max_budget > 0). A trial adds its seed and folder; best_config.yaml a folder.
std::vector<std::string> trial_config_overrides(const SweepConfig& s, const std::vector<std::string>& params,
                                                double max_budget);

// A metric value as something to maximise (the loss is negated).
double metric_goal(const std::string& metric, double value);

}  // namespace gtrain
