// The files a run logs to (rank 0 only; the other ranks hold none): metrics.jsonl, one line per
// logged step or evaluation, and TensorBoard event files when log.tensorboard is on.
#pragma once
#include <cstdint>
#include <memory>

#include "config/train_config.h"
#include "io/metrics_log.h"
#include "io/tensorboard_writer.h"

namespace gtrain {

struct RunLogs {
  std::unique_ptr<MetricsLog> metrics;     // nullptr on ranks other than 0
  std::unique_ptr<TensorBoardWriter> tb;   // nullptr there, or when log.tensorboard is off

  // resumed_step: the checkpoint's step when the run resumed, else -1. metrics.jsonl then holds
  // what this run will log: on a resume, its rows up to that step (the rows a killed run logged
  // after its last checkpoint are logged again as the steps are redone); on a fresh start, no rows
  // (an earlier run's file, one that left no checkpoint, is kept as metrics.jsonl.previous).
  static RunLogs open(const TrainConfig& cfg, bool leader, int64_t resumed_step);
};

}  // namespace gtrain
