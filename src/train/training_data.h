// The data stage of a training run: which prepared files the splits are (given, or an inline
// prepare section prepared once into its cache), opened on every rank, checked against the
// tokenizer and the encoder, with the batch builder that turns their rows into model inputs.
#pragma once
#include <memory>
#include <string>

#include "config/prepared_data.h"
#include "config/train_config.h"
#include "data/hdf5_store.h"
#include "dist/group.h"
#include "model/gliner2_model.h"
#include "text/tokenizer.h"
#include "infer/batch_builder.h"

namespace gtrain {

// Rank 0 resolves the splits (preparing an inline section first, one run at a time per cache
// folder) and tells the other ranks, so that every rank of the group reads the same files.
DataPaths resolve_data_paths(const TrainConfig& cfg, dist::Group& group);

struct TrainingData {
  std::unique_ptr<PreparedReader> train, dev, test;  // dev, test: nullptr when absent
  std::unique_ptr<BatchBuilder> builder;
};

// Opens the splits for this tokenizer (refusing files prepared with another), keeps data.labels'
// subset, and refuses rows longer than the encoder's position table before the first step.
TrainingData open_training_data(const DataPaths& paths, const TrainConfig& cfg, const Tokenizer& tok,
                                const ExtractorImpl& model);

}  // namespace gtrain
