// The model a training run starts from: a GLiNER2 checkpoint (model.source) or a fresh one of the
// configured family and size (model.encoder), with LoRA adapters when enabled, on the device in
// training mode. The first stage of run_training (docs/architecture.md).
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>

#include "config/train_config.h"
#include "model/encoder_config.h"
#include "model/gliner2_model.h"
#include "model/lora.h"
#include "text/tokenizer.h"

namespace gtrain {

struct TrainModel {
  Extractor model{nullptr};
  std::shared_ptr<Tokenizer> tok;  // with GLiNER2's special tokens
  std::string tokenizer_dir;       // where export copies the tokenizer files from
  LoraConfig lora;                 // as applied (when model.lora.enabled)
};

TrainModel build_train_model(const TrainConfig& cfg, torch::Device device);

// The encoder config of a from-scratch model, resolved exactly as its exported config.json is
// resolved on reload (max_relative_positions < 1 -> max_position_embeddings, then log buckets),
// so that best/ and exports reload as the model that was trained.
// pad_id: the tokenizer's padding id (the encoder's pad_token_id; RoBERTa positions start after it).
EncoderConfig scratch_encoder_config(const EncoderShape& s, int64_t vocab, int64_t pad_id, double dropout);

}  // namespace gtrain
