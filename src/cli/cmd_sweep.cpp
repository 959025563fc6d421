// gtrain sweep SWEEP.yaml [--ranks-per-trial G] [--resume] [--set k=v] [--output-dir DIR]   (docs/sweeps.md)
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "dist/group.h"
#include "search/sweep_runner.h"

namespace gtrain::cli {

void add_sweep_command(CLI::App& app) {
  struct Args {
    std::string file, output_dir;
    std::vector<std::string> overrides;
    int ranks_per_trial = 1;
    bool resume = false, retry_failed = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("sweep", "hyperparameter search: trial groups over the MPI ranks, ASHA, a journal (docs/sweeps.md)");
  cmd->add_option("sweep", a->file, "sweep file (YAML)")->required();
  cmd->add_option("--ranks-per-trial", a->ranks_per_trial, "ranks that train one trial together (data parallel)")
      ->capture_default_str();
  cmd->add_flag("--resume", a->resume, "continue the sweep in output_dir from its journal");
  cmd->add_flag("--retry-failed", a->retry_failed,
                "with --resume: run the failed trials again too (after fixing their cause: a path, memory)")
      ->needs("--resume");
  cmd->add_option("--set", a->overrides,
                  "every trial's config key, after the file's set: (e.g. --set data.cache_dir=/scratch/cache)");
  cmd->add_option("--output-dir", a->output_dir, "the sweep's folder instead of the file's output_dir");
  cmd->callback([a] {
    SweepConfig s = load_sweep_config(a->file);
    apply_sweep_command_line(&s, a->overrides, a->output_dir);
    dist::Group& world = dist::world();
    SweepOptions o;
    o.ranks_per_trial = a->ranks_per_trial;
    o.resume = a->resume;
    o.retry_failed = a->retry_failed;
    const size_t n_trials = make_trials(s).size();
    if (world.rank() == 0)
      spdlog::info("sweep: {} trials ({} configurations x {} repeats) on {} rank(s) in groups of {}", n_trials,
                   n_trials / static_cast<size_t>(s.repeats), s.repeats, world.size(), a->ranks_per_trial);
    SweepSummary r;
    try {
      r = run_sweep(s, world, o);
    } catch (const SweepInterrupted& e) {
      spdlog::warn("{}", e.what());
      throw ExitCode{128 + e.signal};
    }
    if (world.rank() == 0) {
      std::printf("\n%s\n", r.leaderboard_md.c_str());
      std::printf("sweep: %d trials: %d completed, %d stopped by ASHA, %d failed (%d already done before this run)\n",
                  r.trials, r.completed, r.stopped, r.failed, r.skipped_done);
      const std::string best = r.best_config.empty() ? "" : "best config: " + r.best_config + "; ";
      std::printf("leaderboard: %s/leaderboard.md (.csv); %sjournal: %s/journal.jsonl\n", r.output_dir.c_str(),
                  best.c_str(), r.output_dir.c_str());
    }
    // No trial completed (all failed, or stopped): nothing to show for the sweep; a job script
    // must not carry on as if there were a best configuration.
    if (world.rank() == 0 && r.best_config.empty()) {
      spdlog::error("sweep: no trial completed, so there is no best configuration; the reasons are in {}/leaderboard.md",
                    r.output_dir);
      throw ExitCode{1};
    }
  });
}

}  // namespace gtrain::cli
