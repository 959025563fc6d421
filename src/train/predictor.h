// A trained model ready for inference: an exported GLiNER2 directory plus gtrain.json (the unit
// mode, labels and dev-selected threshold the trainer stored; a plain GLiNER2 checkpoint without
// it runs with GLiNER2's own defaults: word units, threshold 0.5).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "data/gliner2_prompt.h"
#include "data/units.h"
#include "eval/span_decode.h"
#include "model/hf_checkpoint.h"

namespace gtrain {

struct PredictorInfo {
  UnitMode unit_mode = UnitMode::Word;
  float threshold = 0.5f;
  std::vector<std::string> labels;        // labels the model was trained on (may be empty)
  std::vector<std::string> descriptions;  // same length as labels
  int max_length = 512;                   // text tokens per input; longer texts are cut
};

class Predictor {
 public:
  explicit Predictor(const std::string& model_dir, torch::Device device = torch::kCPU);

  // Entities of each text for the given schema; threshold < 0 = the stored threshold.
  std::vector<std::vector<DecodedEntity>> predict(const std::vector<std::string>& texts,
                                                  const std::vector<SchemaField>& labels,
                                                  float threshold = -1.0f, int batch_size = 8);

  const PredictorInfo& info() const { return info_; }
  const Tokenizer& tokenizer() const { return *ckpt_.tokenizer; }
  ExtractorImpl& model() { return *ckpt_.model; }

 private:
  Gliner2Checkpoint ckpt_;
  PredictorInfo info_;
  torch::Device device_;
};

}  // namespace gtrain
