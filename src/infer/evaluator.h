// Evaluation of a model on prepared rows: forward in eval mode without gradients, entity decoding
// at every threshold of the sweep, entity-level exact match on character offsets (eval/metrics.h),
// per document.
#pragma once
#include <string>
#include <vector>

#include "data/hdf5_store.h"
#include "dist/group.h"
#include "eval/metrics.h"
#include "model/gliner2_model.h"
#include "infer/batch_builder.h"

namespace gtrain {

struct EvalOptions {
  std::vector<float> thresholds = ThresholdSweep::default_thresholds();
  int batch_size = 16;
  // GLiNER2 inference returns entities only when count_pred's argmax is > 0. The entity loss never
  // trains that head, so a model trained here from scratch would be gated at random: off by default.
  bool count_gate = false;
  torch::Device device = torch::kCPU;
  // Data-parallel evaluation: each rank scores its share of the documents (round robin, all
  // windows of a document on one rank) and the counts and loss are all-reduced, so every
  // document counts once and every rank gets the result. nullptr = this process alone.
  dist::Group* group = nullptr;
};

// Metrics are document-level: the windows (rows) of one original example are decoded, merged
// back into document offsets (eval/window_merge.h) and scored once against the document's gold
// entities, so an entity in the overlap of two windows counts once, as it will in production.
struct EvalResult {
  ThresholdSweep sweep;
  double loss = 0.0;       // summed eval-mode loss / number of rows
  int64_t rows = 0;
  int64_t documents = 0;
};

// Evaluates rows [given by indices] of reader; indices empty = all rows.
EvalResult evaluate(ExtractorImpl& model, PreparedReader& reader, BatchBuilder& builder,
                    const EvalOptions& opts, const std::vector<int64_t>& indices = {});

// Gold entities of a prepared row, as code-point offsets into the row's text.
std::vector<Entity> row_gold_entities(const PreparedExample& row, const std::vector<std::string>& labels);

}  // namespace gtrain
