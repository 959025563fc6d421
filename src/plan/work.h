// The work of a training run, counted before it runs: parameters (trainable and frozen, LoRA
// counted right), the rows of an epoch with their tokens, words and spans (the prepared HDF5's
// real lengths plus the schema prompt), and the steps an epoch takes. Torch-free.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/train_config.h"
#include "model/encoder_config.h"
#include "text/tokenizer.h"

namespace gtrain {

struct ParamCount {
  int64_t encoder = 0;  // the encoder's own weights
  int64_t heads = 0;    // span representation, classifier, count predictor, count embedding
  int64_t lora = 0;     // LoRA adapters (A and B matrices) when enabled
  int64_t total() const { return encoder + heads + lora; }
  int64_t trainable = 0;  // lora only when LoRA is on (the base weights are frozen), else all
  int64_t frozen() const { return total() - trainable; }
};

// Parameters of a GLiNER2 model with this encoder (the modules of model/gliner2_model.cpp:
// encoder, span_rep (SpanMarkerV0), classifier, count_pred, count_embed of `counting_layer`).
// With LoRA on, the adapters its targets select (model/lora_targets.h); std::invalid_argument when
// they select nothing, as training refuses it.
ParamCount count_parameters(const EncoderConfig& enc, const std::string& counting_layer, const LoraSettings& lora);

// One training row as the model sees it.
struct RowWork {
  int64_t tokens = 0;  // prompt + text (+ the appended period)
  int64_t words = 0;   // text units (+ the period)
  int64_t spans = 0;   // candidate spans: sum over words of min(max_width, words - i)
  int32_t length_tokens = 0;  // the prepared row's own tokens: what the trainer's batching sorts and budgets
};

struct EpochWork {
  std::string source;          // the prepared file the rows come from
  std::vector<RowWork> rows;   // every training row of one epoch
  std::vector<RowWork> dev;    // dev rows (evaluated once per epoch), empty when none
  int64_t prompt_tokens = 0;   // the schema prompt of the whole label set ([SEP_TEXT] included)
  int64_t labels = 0;
  int64_t max_width = 8;       // model.max_width: the span widths the rows' spans were counted at
  int64_t text_tokens() const;
};

// Reads the training (and dev) split of a config: the prepared files it names, or its inline
// prepare section's cache (prepared there first when absent, as the trainer would); the prompt
// from the tokenizer and the label set. `examples` > 0 resizes the split to that many rows by
// repeating / truncating its rows in order (a planned data set with the sample's lengths).
EpochWork read_epoch_work(const TrainConfig& cfg, const Tokenizer& tok, int64_t max_width, int64_t examples = 0);

// The encoder of a config: model.source's encoder_config/config.json, or the from-scratch shape
// with the tokenizer's vocabulary (`vocab` > 0 replaces it).
EncoderConfig config_encoder(const TrainConfig& cfg, const Tokenizer& tok, int64_t vocab = 0);

// The tokenizer training uses (opened once, for both of the above): the checkpoint's, else
// model.tokenizer, else the inline prepare section's; with GLiNER2's special tokens.
std::unique_ptr<Tokenizer> open_config_tokenizer(const TrainConfig& cfg);

struct RunShape {
  int batch = 8, accum = 1, ranks = 1;  // rows per rank per micro-batch, micro-batches per step
  int64_t token_budget = 0;             // optim.token_budget (0 = off): micro-batches cut at it too
  int64_t micro_batches_per_epoch = 0;  // per rank
  int64_t steps_per_epoch = 0;          // optimizer steps
};

// The trainer's epoch: rows sharded over ranks, micro-batches of `batch`, one optimizer step per
// `accum` micro-batches: steps = ceil(rows / (batch x accum x ranks)).
RunShape run_shape(int64_t rows, int batch, int accum, int ranks);
// With optim.token_budget > 0 the trainer also cuts a micro-batch at token_budget padded tokens
// (per rank): its batches, counted as the trainer makes them (data/sharding.h's
// global_train_batches over the rows' lengths, epoch 0), so more and smaller micro-batches and
// more steps.
RunShape run_shape(const std::vector<RowWork>& rows, int batch, int accum, int ranks, int64_t token_budget,
                   uint64_t seed);

}  // namespace gtrain
