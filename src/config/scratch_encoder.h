// The encoder configuration of a from-scratch model (model.encoder), torch-free: the trainer
// builds its encoder from it and `gtrain plan` counts its shapes.
#pragma once
#include <cstdint>

#include "config/train_config.h"
#include "model/encoder_config.h"

namespace gtrain {

// The encoder config of a from-scratch model, resolved exactly as its exported config.json is
// resolved on reload (max_relative_positions < 1 -> max_position_embeddings, then log buckets),
// so that best/ and exports reload as the model that was trained.
// pad_id: the tokenizer's padding id (the encoder's pad_token_id; RoBERTa positions start after it).
EncoderConfig scratch_encoder_config(const EncoderShape& s, int64_t vocab, int64_t pad_id, double dropout);

}  // namespace gtrain
