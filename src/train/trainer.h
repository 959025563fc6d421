// `gtrain train`: one process, one device. The loop, top to bottom:
//   data (prepared HDF5, or an inline prepare section prepared once and cached by content hash)
//   -> tokenizer + model (a GLiNER2 directory, or a from-scratch encoder shape) [+ LoRA]
//   -> AdamW groups + warmup/decay schedule
//   -> epochs of length-bucketed batches, gradient accumulation, clipping
//   -> evaluation (threshold sweep) on the dev split, early stopping, checkpoints
//   -> best checkpoint evaluated on the test split and exported in the GLiNER2 layout.
// Data parallel (a group of W ranks, dist/group.h): each step's global micro-batch of W x
// batch_size examples is cut once and dealt out (rank_share); gradients are summed over the ranks
// by dist::GradReducer (overlapped with backward); evaluation is sharded and its counts reduced;
// only rank 0 writes files. A single-rank group makes no MPI or NCCL call.
#pragma once
#include <functional>
#include <string>

#include "config/train_config.h"
#include "dist/group.h"
#include "train/train_model.h"

namespace gtrain {

struct TrainOptions {
  bool resume = false;          // continue from the newest checkpoint in output_dir
  bool auto_resume = false;     // resume when output_dir has a checkpoint, else start (job scripts)
  int64_t stop_after_steps = 0; // > 0: checkpoint and stop after this many optimizer steps (tests)
  // > 0: training ends after this many optimizer steps (or its epochs, whichever come first), as
  // it would at the end of its epochs: a dev evaluation there, the best model, the test split.
  // The learning-rate schedule spans these steps (sweeps: ASHA's budget in steps).
  int64_t max_steps = 0;
  dist::Group* group = nullptr; // the ranks training together; nullptr = this process alone
  // Called on every rank after each dev evaluation with (step, epoch position, score; higher is
  // better: the loss is negated); returning false stops training there, as early stopping
  // does (sweeps: ASHA). It must return the same on every rank of the group.
  std::function<bool(int64_t step, double epoch, double score)> on_eval;
};

struct TrainSummary {
  int64_t steps = 0;
  double best_score = -1.0;
  double best_threshold = 0.5;
  double test_micro_f1 = -1.0;   // -1 when there is no test split
  std::string run_dir, best_model_dir, report_path;
  int stop_signal = 0;           // SIGTERM/SIGUSR1 ended training early (checkpoint written)
  bool stopped_by_callback = false;  // on_eval returned false
  double epochs_trained = 0;     // epoch position at the end
};

TrainSummary run_training(const TrainConfig& cfg, const TrainOptions& opts);


}  // namespace gtrain
