// Model FLOPs of a GLiNER2 training step, counted from the shapes (multiply-adds of the matrix
// products x 2; element-wise work, softmax, layer norms and the embedding lookup count 0). The
// one formula behind `bench step`'s MFU and the planner; docs/benchmarks.md#flops writes it out.
#pragma once
#include <cstdint>

#include "model/encoder_config.h"

namespace gtrain {

// The candidate spans of a text of `words` words: sum over words of min(max_width, words - i).
int64_t candidate_spans(int64_t words, int64_t max_width);

// A padded batch: what its FLOPs (below) and its memory (plan/memory_model.h) depend on. `bench
// step` reports its largest timed one; the planner sizes one per row or per batch.
struct BatchShape {
  int64_t rows = 0;
  int64_t seq_len = 0;  // padded tokens per row (as computed)
  int64_t words = 0;    // padded words per row (span start/end projections run on each)
  int64_t spans = 0;    // candidate spans of the whole batch (rows' words x widths that fit)
  int64_t labels = 0;   // entity labels per row (span x label scores)
  int64_t max_width = 8;  // span widths per word (the padded span tensor the scores read)
  int64_t word_slots() const { return rows * words; }
};

struct StepFlops {
  double encoder = 0;  // forward
  double heads = 0;    // forward: span representation and span x label scores
  double forward() const { return encoder + heads; }
  // Backward costs two forwards (gradients of inputs and of weights); activation checkpointing
  // recomputes the encoder's forward but that is hardware work, not model FLOPs (MFU, not HFU).
  double train_step() const { return 3.0 * forward(); }
};

// Forward FLOPs per DeBERTa-v2 layer stack, for `rows` x `seq_len` tokens:
//   layers x [rows*T*(8H^2 + 4*H*I + 4*T*H + 2*(c2p+p2c)*2S*H)  +  (c2p+p2c)*2*2S*H^2]
// (Q/K/V/O projections, the two FFN matrices, QK^T and AV, and the disentangled c2p/p2c terms
// against the 2S relative-position rows, whose key/query projections run once per batch).
double encoder_forward_flops(const DebertaV2Config& c, int64_t rows, int64_t seq_len);
// BERT family (absolute positions): layers x rows*T*(8H^2 + 4*H*I + 4*T*H), plus ELECTRA's
// embeddings_project rows*T*2*E*H when embedding_size E != H.
double encoder_forward_flops(const BertConfig& c, int64_t rows, int64_t seq_len);
double encoder_forward_flops(const EncoderConfig& c, int64_t rows, int64_t seq_len);

// Forward FLOPs of the GLiNER2 span head (SpanMarkerV0 with the fused start/end split):
//   word_slots x (2 MLPs H->4H->H = 32H^2, the split first out_project layer 2 x 8H^2 = 16H^2)
//   + spans x (second out_project layer 4H->H = 8H^2) + spans x labels x 2H (scores).
double span_head_forward_flops(int64_t hidden, const BatchShape& s);

StepFlops step_flops(const EncoderConfig& c, const BatchShape& s);

}  // namespace gtrain
