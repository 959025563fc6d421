// The model a training run starts from: a GLiNER2 checkpoint (model.source) or a fresh one of the
// configured family and size (model.encoder), with LoRA adapters when enabled, on the device in
// training mode. The first stage of run_training (docs/architecture.md).
#pragma once
#include <torch/torch.h>

#include <memory>
#include <string>

#include "config/scratch_encoder.h"  // scratch_encoder_config
#include "config/train_config.h"
#include "model/encoder_config.h"
#include "model/gliner2_model.h"
#include "model/lora.h"
#include "text/tokenizer.h"

namespace gtrain {

struct TrainModel {
  Extractor model{nullptr};
  std::shared_ptr<Tokenizer> tok;  // with GLiNER2's special tokens
  std::string tokenizer_dir;       // where export copies the tokenizer from (a folder or one file)
  LoraConfig lora;                 // as applied (when model.lora.enabled)
};

TrainModel build_train_model(const TrainConfig& cfg, torch::Device device);

}  // namespace gtrain
