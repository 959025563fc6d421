// Training checkpoints: a directory per checkpoint, written to DIR.tmp.<pid> and renamed into
// place (a crash or kill -9 mid-write leaves the previous checkpoints untouched; a failed write,
// e.g. a full disk, throws naming the file and cause and removes the temporary directory):
//   model.safetensors   every parameter and buffer (LoRA adapters included), fp32
//   optimizer.safetensors  AdamW state per parameter (g<group>.p<index>.step/exp_avg/exp_avg_sq);
//                       optimizer.pt (torch archive) for other optimizers and older checkpoints
//   rng.safetensors     generator states: torch's default CPU one (dropout), the trainer's own
//                       (negative-span masking) and each visible GPU's (dropout on a GPU)
//   state.json          step, epoch, next batch of the epoch, best score/threshold/step, early-
//                       stopping counter, loss scale with its growth counter and skipped steps
//   best_state.safetensors, dev_report.json   the best weights so far and their dev report as
//                       they were at this step (hard links to output_dir's, `best_files`): a run
//                       killed after a later improvement resumes with the best its state.json names
#pragma once
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "train/checkpoint_dirs.h"

namespace gtrain {

struct TrainState {
  int64_t step = 0;          // optimizer steps done
  int64_t epoch = 0;         // current epoch
  int64_t batch_in_epoch = 0;  // micro-batches of `epoch` already consumed
  double best_score = -1.0;
  double best_threshold = 0.5;
  int64_t best_step = -1;
  int64_t evals_without_improvement = 0;
  double loss_scale = 65536.0;
  int64_t loss_scale_good_steps = 0;  // fp16: clean steps since the scale last changed
  int64_t skipped_steps = 0;          // fp16: steps skipped for inf/NaN gradients
  int64_t world_size = 1;          // ranks that wrote it (batch_in_epoch counts global micro-batches)
  int64_t global_micro_batch = 0;  // examples per global micro-batch when written (0 = unknown)
  bool finished = false;
  nlohmann::json to_json() const;
  static TrainState from_json(const nlohmann::json& j);
};

void save_checkpoint(const std::string& dir, torch::nn::Module& model, torch::optim::Optimizer& opt,
                     const TrainState& state, at::Generator& mask_gen, const std::vector<std::string>& best_files = {});
// Restores into an already built model/optimizer (same parameter set). Throws naming the file.
TrainState load_checkpoint(const std::string& dir, torch::nn::Module& model, torch::optim::Optimizer* opt,
                           at::Generator* mask_gen);

}  // namespace gtrain
