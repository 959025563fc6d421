// The files a run logs to (rank 0 only; the other ranks hold none): metrics.jsonl, one line per
// logged step or evaluation, and TensorBoard event files when log.tensorboard is on.
#pragma once
#include <filesystem>
#include <memory>

#include "config/train_config.h"
#include "io/metrics_log.h"
#include "io/tensorboard_writer.h"

namespace gtrain {

struct RunLogs {
  std::unique_ptr<MetricsLog> metrics;     // nullptr on ranks other than 0
  std::unique_ptr<TensorBoardWriter> tb;   // nullptr there, or when log.tensorboard is off

  static RunLogs open(const TrainConfig& cfg, bool leader) {
    RunLogs l;
    if (!leader) return l;
    const std::filesystem::path dir(cfg.output_dir);
    l.metrics = std::make_unique<MetricsLog>((dir / "metrics.jsonl").string());
    if (cfg.log.tensorboard) l.tb = std::make_unique<TensorBoardWriter>((dir / "tensorboard").string());
    return l;
  }
};

}  // namespace gtrain
