// `gtrain train`: one process, one device. The loop, top to bottom:
//   data (prepared HDF5, or an inline prepare section prepared once and cached by content hash)
//   -> tokenizer + model (a GLiNER2 directory, or a from-scratch encoder shape) [+ LoRA]
//   -> AdamW groups + warmup/decay schedule
//   -> epochs of length-bucketed batches, gradient accumulation, clipping
//   -> evaluation (threshold sweep) on the dev split, early stopping, checkpoints
//   -> best checkpoint evaluated on the test split and exported in the GLiNER2 layout.
#pragma once
#include <string>

#include "config/train_config.h"

namespace gtrain {

struct TrainOptions {
  bool resume = false;          // continue from the newest checkpoint in output_dir
  int64_t stop_after_steps = 0; // > 0: checkpoint and stop after this many optimizer steps (tests)
};

struct TrainSummary {
  int64_t steps = 0;
  double best_score = -1.0;
  double best_threshold = 0.5;
  double test_micro_f1 = -1.0;   // -1 when there is no test split
  std::string run_dir, best_model_dir, report_path;
};

TrainSummary run_training(const TrainConfig& cfg, const TrainOptions& opts);

}  // namespace gtrain
