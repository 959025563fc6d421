// Evaluation on the dev split during training, and what follows from it: the threshold sweep and
// its log lines and metrics, the best model so far (a host copy of its weights; on rank 0 also
// best_state.safetensors and dev_report.json, so that a resumed run keeps it), and whether
// training stops (early stopping, or the caller's on_eval: a sweep's ASHA rung).
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config/train_config.h"
#include "data/hdf5_store.h"
#include "model/gliner2_model.h"
#include "infer/batch_builder.h"
#include "train/checkpoint.h"
#include "infer/evaluator.h"
#include "train/run_logs.h"

namespace gtrain {

class DevEvaluation {
 public:
  enum class Verdict { Continue, EarlyStop, StoppedByCaller };
  using OnEval = std::function<bool(int64_t step, double epoch, double score)>;

  // dev == nullptr: no dev split; run() then always continues and the last weights are the best.
  DevEvaluation(const TrainConfig& cfg, ExtractorImpl& model, PreparedReader* dev, BatchBuilder& builder,
                EvalOptions eo, RunLogs& logs, bool leader, OnEval on_eval);

  // A resumed run's best weights so far: those its checkpoint keeps (the best as of that step;
  // output_dir's best_state.safetensors and dev_report.json are put back to them), or, for a
  // checkpoint of an older gtrain that kept none, output_dir's. None when best_step < 0.
  void restore_best(const std::string& checkpoint_dir, int64_t best_step);
  // The files a checkpoint keeps of the best so far (rank 0; none before the first evaluation).
  std::vector<std::string> best_files(const TrainState& st) const;

  // Evaluates at st.step (every rank gets the same scores); updates st's best_* fields and
  // evals_without_improvement.
  Verdict run(TrainState& st, double epoch_pos);
  // Whether st's evaluations without improvement have used up early_stopping.patience (a resumed
  // run that had stopped early finishes instead of training on).
  bool patience_exhausted(const TrainState& st) const;

  // Host copies of the best weights; empty when nothing was evaluated.
  const std::map<std::string, torch::Tensor>& best_weights() const { return best_weights_; }

 private:
  void keep_as_best(TrainState& st, const EvalResult& r, size_t best_threshold);
  void log_gpu_memory_peak(int64_t step, double epoch_pos);

  const TrainConfig& cfg_;
  ExtractorImpl& model_;
  PreparedReader* dev_;
  BatchBuilder& builder_;
  EvalOptions eo_;
  RunLogs& logs_;
  bool leader_;
  OnEval on_eval_;
  std::map<std::string, torch::Tensor> best_weights_;
};

}  // namespace gtrain
