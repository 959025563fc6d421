// gtrain train CONFIG [--set key=value ...] [--resume | --auto-resume]
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "config/train_config.h"
#include "dist/group.h"
#include "train/trainer.h"

namespace gtrain::cli {

void add_train_command(CLI::App& app) {
  struct Args {
    std::string config;
    std::vector<std::string> overrides;
    bool resume = false, auto_resume = false;
    int64_t stop_after = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("train", "fine-tune or train a GLiNER2 model (docs/training.md)");
  cmd->add_option("config", a->config, "training config (YAML, docs/configuration.md)")->required();
  cmd->add_option("--set", a->overrides, "override a config key, e.g. --set optim.encoder_lr=3e-5");
  cmd->add_flag("--resume", a->resume, "continue from the newest checkpoint in output_dir");
  cmd->add_flag("--auto-resume", a->auto_resume,
                "continue from the newest checkpoint when output_dir has one, else start (job scripts, requeues)");
  cmd->add_option("--stop-after-steps", a->stop_after, "checkpoint and stop at optimizer step N of the run (counted from its start, also after a resume)");
  cmd->callback([a] {
    TrainConfig cfg = load_train_config(a->config, a->overrides);
    TrainOptions o;
    o.resume = a->resume;
    o.auto_resume = a->auto_resume;  // decided after a killed run's leftovers are put back
    o.stop_after_steps = a->stop_after;
    o.group = &dist::world();
    TrainSummary s = run_training(cfg, o);
    if (s.stop_signal) {
      spdlog::warn("interrupted by signal {} after {} steps; run directory {}", s.stop_signal, s.steps, s.run_dir);
      throw ExitCode{128 + s.stop_signal};
    }
    spdlog::info("done: {} steps; run directory {}", s.steps, s.run_dir);
  });
}

}  // namespace gtrain::cli
