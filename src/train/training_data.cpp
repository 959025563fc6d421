#include "train/training_data.h"

#include <algorithm>
#include <sstream>

#include <spdlog/spdlog.h>

#include "io/input_error.h"

namespace gtrain {

namespace {

// Rows the encoder's position table cannot hold would fail mid-epoch: refuse them up front.
void check_row_lengths(const TrainingData& d, const ExtractorImpl& model) {
  const int64_t limit = model.encoder_config.max_sequence_tokens();
  if (limit <= 0) return;
  for (PreparedReader* r : {d.train.get(), d.dev.get(), d.test.get()}) {
    if (!r || r->lengths_tokens().empty()) continue;
    const int64_t text = *std::max_element(r->lengths_tokens().begin(), r->lengths_tokens().end());
    const int64_t row = d.builder->max_row_tokens(text);
    if (row > limit)
      throw std::runtime_error(r->path() + ": rows of up to " + std::to_string(row) + " tokens (" +
                               std::to_string(text) + " text tokens + the schema prompt) but the " +
                               model.encoder_config.model_type() + " encoder takes at most " +
                               std::to_string(limit) + " (its config.json's max_position_embeddings); lower "
                               "data.prepare.max_length");
  }
}

}  // namespace

DataPaths resolve_data_paths(const TrainConfig& cfg, dist::Group& group) {
  DataPaths data;
  std::string paths;
  if (group.rank() == 0) {
    data = resolve_prepared_data(cfg);
    paths = data.train + '\n' + data.dev + '\n' + data.test;
  }
  // Rank 0 may prepare the data first (an inline data.prepare section, or waiting for another job
  // that prepares the same cache), which takes as long as the corpus needs: the others wait for it
  // without comm.timeout_s's limit. A rank 0 that fails there ends the job (abort_job), and one
  // that dies is ended by the launcher, so the wait does not hang.
  const double limit = group.timeout_s();
  group.set_timeout_s(0);
  try {
    group.broadcast(paths, 0, "data paths broadcast");
  } catch (...) {
    group.set_timeout_s(limit);
    throw;
  }
  group.set_timeout_s(limit);
  if (group.rank() != 0) {
    std::istringstream in(paths);
    std::getline(in, data.train);
    std::getline(in, data.dev);
    std::getline(in, data.test);
  }
  if (data.train.empty()) throw std::runtime_error("data: no training split (data.train or a 'train' split)");
  return data;
}

TrainingData open_training_data(const DataPaths& paths, const TrainConfig& cfg, const Tokenizer& tok,
                                const ExtractorImpl& model) {
  TrainingData d;
  d.train = std::make_unique<PreparedReader>(paths.train, tok.fingerprint());
  if (!paths.dev.empty()) d.dev = std::make_unique<PreparedReader>(paths.dev, tok.fingerprint());
  if (!paths.test.empty()) d.test = std::make_unique<PreparedReader>(paths.test, tok.fingerprint());
  for (PreparedReader* r : {d.train.get(), d.dev.get(), d.test.get()}) {
    if (!r) continue;
    r->check_token_ids(tok.vocab_size());
    if (!cfg.data.labels.empty()) r->select_labels(cfg.data.labels);  // data.labels: a subset, in its order
  }
  // The batches' prompts are built from train's label list.
  for (PreparedReader* r : {d.dev.get(), d.test.get()})
    if (r) r->read_with_labels_of(d.train->meta());
  const PreparedMeta& meta = d.train->meta();
  bool any_desc = false;
  for (const auto& desc : meta.label_descriptions) any_desc |= !desc.empty();
  d.builder = std::make_unique<BatchBuilder>(tok, meta.labels, meta.label_descriptions, any_desc);
  check_row_lengths(d, model);
  spdlog::info("data: train {} rows{}{}, labels {}", d.train->size(),
               d.dev ? ", dev " + std::to_string(d.dev->size()) : "",
               d.test ? ", test " + std::to_string(d.test->size()) : "", fmt::join(meta.labels, ","));
  return d;
}

}  // namespace gtrain
