// Memory per GPU (or per process on a CPU) of a training step, from the model's shapes:
// weights, gradients, AdamW states, the half-precision weight copies autocast keeps, activations
// saved for the backward pass (per token of the encoder, with or without activation
// checkpointing; per word and per span of the GLiNER2 head), the gradient all-reduce buckets and
// a workspace margin. docs/planning.md writes every term out. Torch-free.
#pragma once
#include <cstdint>

#include "config/train_config.h"
#include "model/encoder_config.h"
#include "model/flops.h"
#include "plan/work.h"

namespace gtrain {

// The largest micro-batch of a run: what the memory peak comes from.
struct MemorySettings {
  Precision precision = Precision::FP32;
  bool gradient_checkpointing = false;
  bool cuda = true;       // a GPU: the CUDA context and cuBLAS workspace count; a CPU process: not
  int ranks = 1;          // > 1: the gradient reducer's buckets
  double bucket_mb = 25;  // comm.bucket_mb
};

struct MemoryEstimate {
  double weights = 0;      // fp32 parameters
  double half_copies = 0;  // fp16 / bf16 copies of the matrix weights autocast keeps for the step
  double gradients = 0;    // fp32 gradients of the trainable parameters
  double optimizer = 0;    // AdamW exp_avg + exp_avg_sq (fp32)
  double activations = 0;  // saved for the backward pass
  double backward_peak = 0;  // what the backward pass holds at its worst beyond weights + optimizer
  double buckets = 0;      // all-reduce buckets (ranks > 1)
  double workspace = 0;    // CUDA context, cuBLAS workspace, allocator slack
  // The peak: weights and optimizer states persist; the backward pass frees activations as it
  // creates gradients, so it holds max(activations + the heads' gradients + one layer's
  // working set, all gradients) at its worst.
  double total() const { return weights + half_copies + optimizer + backward_peak + buckets + workspace; }
};

// Saved activations of one micro-batch, bytes (without the per-layer backward working set).
struct ActivationBytes {
  double embeddings = 0, encoder_layers = 0, heads = 0;
  double one_layer = 0;  // the largest single layer's activations (recomputed / worked on in backward)
  double total() const { return embeddings + encoder_layers + heads; }
};
ActivationBytes activation_bytes(const EncoderConfig& enc, const BatchShape& b, const MemorySettings& s);

MemoryEstimate estimate_memory(const EncoderConfig& enc, const ParamCount& params, const BatchShape& b,
                               const MemorySettings& s);

// The batch of `rows` rows whose tokens, words and spans are the largest of `work` (a padded
// batch of the longest row; the most spans any row has, times rows).
BatchShape largest_batch(const EpochWork& work, int64_t rows);

// The most rows per micro-batch that fit in `capacity` bytes (0 when even one does not), up to max_rows.
int64_t largest_fitting_batch(const EncoderConfig& enc, const ParamCount& params, const EpochWork& work,
                              const MemorySettings& s, double capacity, int64_t max_rows = 4096);

}  // namespace gtrain
