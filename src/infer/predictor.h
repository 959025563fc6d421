// A trained model ready for inference: an exported GLiNER2 directory plus gtrain.json (the unit
// mode, labels and dev-selected threshold the trainer stored; a plain GLiNER2 checkpoint without
// it runs with GLiNER2's own defaults: word units, threshold 0.5).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "data/gliner2_prompt.h"
#include "data/units.h"
#include "eval/metrics.h"
#include "eval/span_decode.h"
#include "text/tokenizer.h"

namespace gtrain {

struct PredictorInfo {
  UnitMode unit_mode = UnitMode::Word;
  float threshold = 0.5f;
  std::vector<std::string> labels;        // labels the model was trained on (may be empty)
  std::vector<std::string> descriptions;  // same length as labels
  int max_length = 512;                   // text tokens per window; longer texts are windowed
  int window_stride = 16;                 // units shared by consecutive windows (prepare's)
  int max_span_width = 8;                 // the model's max_width: the widest span it scores
};

// The schema to predict with (`gtrain predict --labels A,B --description A=...`): the named labels
// (none named: the model's training labels) in the model's training order, labels it was not
// trained on after them in the order named, each with the model's training
// description unless `descriptions` ("LABEL=text") gives another. Throws std::invalid_argument
// naming the flag: no labels at all, a label named twice, a description that is not LABEL=text or
// names a label not in the schema.
std::vector<SchemaField> prediction_schema(const PredictorInfo& info, const std::vector<std::string>& names,
                                           const std::vector<std::string>& descriptions);

// The model lives behind a pointer so that this header, and the CLI, stay free of LibTorch.
class Predictor {
 public:
  // device: "cpu", "cuda" or "cuda:N".
  explicit Predictor(const std::string& model_dir, const std::string& device = "cpu");
  ~Predictor();
  Predictor(Predictor&&) noexcept;
  Predictor& operator=(Predictor&&) noexcept;

  // Entities of each text for the given schema; threshold < 0 = the stored threshold. The labels
  // are prompted in the order given: prediction_schema gives the model's training order.
  std::vector<std::vector<DecodedEntity>> predict(const std::vector<std::string>& texts,
                                                  const std::vector<SchemaField>& labels,
                                                  float threshold = -1.0f, int batch_size = 8);

  // Entity-level P/R/F1 per threshold on a prepared HDF5 split (its labels and descriptions),
  // which must have been tokenized with this model's tokenizer.
  ThresholdSweep evaluate(const std::string& h5_path, const std::vector<float>& thresholds, int batch_size = 16);

  // Text tokens per window: info().max_length, less where the prompt of `labels` would not fit in
  // the encoder's positions beside it (a model without gtrain.json gets 512, more than a
  // 512-position BERT holds with the prompt on top). Throws std::invalid_argument when the prompt
  // alone fills them.
  int max_text_tokens(const std::vector<SchemaField>& labels) const;

  const PredictorInfo& info() const;
  const Tokenizer& tokenizer() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gtrain
