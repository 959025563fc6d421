// The end of a run: the best weights back in the model (LoRA adapters saved, then merged), the
// model exported to <output_dir>/best in the GLiNER2 layout with gtrain.json (rank 0), and the
// test split scored at the threshold the dev split chose.
#pragma once
#include <map>
#include <string>

#include "config/train_config.h"
#include "data/hdf5_store.h"
#include "infer/batch_builder.h"
#include "train/checkpoint.h"
#include "infer/evaluator.h"
#include "train/train_model.h"

namespace gtrain {

// Throws, naming the folder, where export_best_model could not write output_dir/best (a folder that
// is not a model, a place inside the model being read): checked when training starts, not after
// its last epoch.
void check_best_model_destination(const TrainConfig& cfg, const TrainModel& tm);

// Loads best_weights (none: the last weights stay), then exports on rank 0. Returns best/'s path
// (on every rank).
std::string export_best_model(const TrainConfig& cfg, TrainModel& tm, const std::map<std::string, torch::Tensor>& best_weights,
                              const TrainState& st, const PreparedMeta& meta, bool leader);

struct TestScore {
  double micro_f1 = -1.0;
  std::string report_path;  // eval_report.json (rank 0 writes it, with eval_report.md)
};

// Scores the test split (sharded over eo.group's ranks); rank 0 writes the reports and prints the
// sweep. threshold: the dev-selected one, whose micro-F1 is returned.
TestScore score_test_split(const TrainConfig& cfg, ExtractorImpl& model, PreparedReader& test, BatchBuilder& builder,
                           const EvalOptions& eo, double threshold, bool leader);

}  // namespace gtrain
