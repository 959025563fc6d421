// The GLiNER2 span model (gliner2 1.2.3 `Extractor`, spec §2-§3): an encoder (DeBERTa-v2/v3 or a
// BERT-family one, model/encoder.h), the
// markerV0 span representation, the count_pred / classifier MLP heads and count_embed.
//
// Module tree and state-dict names are those of the released checkpoints (spec §2.7):
//   encoder.*       the encoder's own HF names (DebertaV2Model, BertModel, ...; model/encoder.h)
//   span_rep.span_rep_layer.{project_start,project_end,out_project}.{0,3}.*
//   classifier.{0,2}.*      Linear(D,2D), ReLU, Linear(2D,1)   (classification tasks; unused for NER)
//   count_pred.{0,2}.*      Linear(D,2D), ReLU, Linear(2D,20)
//   count_embed.*           model/count_embed.h
//
// Scope: entity extraction. Every example carries exactly one "entities" schema, whose prompt
// holds one [P] token followed by M [E] field markers (M entity types, M may differ between
// examples); entities always form count = 1 instance, so the entity scores use
// struct_proj = count_embed(F, 1)[0] and no count loss is computed (spec §3).
//
// The forward is batched end to end: one encoder call on the padded batch, one gather for all word
// embeddings and one for all schema tokens, one packed span_rep pass over the valid spans of all
// examples, one count_embed call over the padded [B, Mmax] fields, one bmm for the scores. No
// per-example loops run on the device.
#pragma once
#include <torch/torch.h>

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/count_embed.h"
#include "model/encoder.h"
#include "model/encoder_config.h"
#include "model/gliner2_config.h"
#include "model/mlp.h"
#include "model/span_rep.h"

namespace gtrain {

// One example of a batch: where its words and schema tokens sit in its row of input_ids.
struct Gliner2Example {
  std::vector<int64_t> word_pos;    // [L] position of each text word's first subword
  std::vector<int64_t> schema_pos;  // [1 + M] position of [P], then of each [E] marker
  // Gold mentions per entity type: gold_spans[k] = inclusive word spans (start, end) of type k.
  // Size M, or empty (= no mentions; fine for inference). A span whose start is outside
  // [0, L) or whose width end - start is outside [0, max_width) is dropped, as in GLiNER2.
  std::vector<std::vector<std::pair<int64_t, int64_t>>> gold_spans;
  float weight = 1.0f;  // multiplies this example's loss

  int64_t num_words() const { return static_cast<int64_t>(word_pos.size()); }
  int64_t num_fields() const { return schema_pos.empty() ? 0 : static_cast<int64_t>(schema_pos.size()) - 1; }
};

struct Gliner2Batch {
  torch::Tensor input_ids;       // [B, T] int64, right padded
  torch::Tensor attention_mask;  // [B, T], 1 = token, 0 = padding
  std::vector<Gliner2Example> examples;  // B entries
  int64_t real_tokens = 0;  // attention_mask's sum, counted on the host (padding share = 1 - real / B*T)
};

struct Gliner2ForwardOptions {
  bool count_logits = true;  // run count_pred on [P] (inference gate; not part of the NER loss)
  std::vector<torch::Tensor>* all_hidden_states = nullptr;  // receives the encoder's hidden states
};

// Padded batch outputs. Lmax / Mmax = most words / entity types in the batch.
struct Gliner2Output {
  torch::Tensor hidden;        // [B, T, D] encoder output
  torch::Tensor word_embs;     // [B, Lmax, D] (padding rows: copies of position 0, masked)
  torch::Tensor schema_embs;   // [B, 1 + Mmax, D] ([P], then the [E] markers)
  torch::Tensor span_rep;      // [B, Lmax, W, D] (zeros at invalid spans)
  torch::Tensor struct_proj;   // [B, Mmax, D] count_embed(F, 1)[0]
  torch::Tensor span_logits;   // [B, Mmax, Lmax, W] scores before sigmoid
  torch::Tensor span_valid;    // [B, Lmax, W] bool: start + width < L_b
  torch::Tensor span_mask;     // [B, Mmax, Lmax, W] bool: valid span of a real type
  torch::Tensor field_mask;    // [B, Mmax] bool
  torch::Tensor count_logits;  // [B, 20] (undefined when not requested)
  std::vector<int64_t> num_words, num_fields;

  // Example i's unpadded views: span logits [M_i, L_i, W], span_rep [L_i, W, D],
  // struct_proj [M_i, D], word_embs [L_i, D], schema_embs [1 + M_i, D].
  torch::Tensor example_span_logits(int64_t i) const;
  torch::Tensor example_span_rep(int64_t i) const;
  torch::Tensor example_struct_proj(int64_t i) const;
  torch::Tensor example_word_embs(int64_t i) const;
  torch::Tensor example_schema_embs(int64_t i) const;
};

struct Gliner2LossOptions {
  // Negative-span masking (spec §3, training only in gliner2 >= 1.2): every negative (label 0)
  // cell is dropped from the loss with probability masking_rate; positives are always kept.
  // Unset = on in training mode, off in eval mode.
  std::optional<bool> mask_negatives;
  double masking_rate = 0.5;
  // Source of the masking draws (one torch::rand over [B, Mmax, Lmax, W]); unset = the default
  // generator of the logits' device. A CPU generator also works for CUDA logits (drawn on the CPU).
  std::optional<at::Generator> generator;
  bool apply_weights = true;  // multiply each example's loss by Gliner2Example::weight
};

struct Gliner2Loss {
  torch::Tensor total;        // scalar: sum of per_example (GLiNER2 sums over the batch)
  torch::Tensor per_example;  // [B]: sum of BCE-with-logits over the example's kept cells (× weight)
  torch::Tensor labels;       // [B, Mmax, Lmax, W] float 0/1 targets (on the logits' device)
};

struct ExtractorImpl : torch::nn::Module {
  // encoder_config.vocab_size must already be the embedding row count (len(tokenizer)).
  ExtractorImpl(const ExtractorConfig& config, const EncoderConfig& encoder_config);

  Gliner2Output forward(const Gliner2Batch& batch, const Gliner2ForwardOptions& opts = {});
  // Entity-task loss of a forward output (spec §3): sum over examples, types and valid spans of
  // BCE-with-logits against the gold labels; no count loss for entity schemas.
  Gliner2Loss loss(const Gliner2Output& out, const Gliner2Batch& batch, const Gliner2LossOptions& opts = {});

  // classifier on label-marker embeddings [..., D] -> logits [...] (classification tasks).
  torch::Tensor classify(const torch::Tensor& label_embs);

  // Copies a checkpoint state dict in (names as stored; every model tensor must be present and,
  // with strict, every key used). Throws naming the offending keys.
  void load_checkpoint_tensors(const std::map<std::string, torch::Tensor>& tensors, bool strict = true);

  // Fresh-model initialisation: HF _init_weights for the encoder; the heads keep PyTorch's
  // default initialisation from construction.
  void init_weights() { encoder->init_weights(); }

  int64_t hidden_size() const { return encoder_config.hidden_size(); }
  int64_t max_width() const { return config.max_width; }

  ExtractorConfig config;
  EncoderConfig encoder_config;
  std::shared_ptr<EncoderImpl> encoder;
  SpanRepLayer span_rep{nullptr};
  Mlp classifier{nullptr};
  Mlp count_pred{nullptr};
  CountEmbed count_embed{nullptr};
};
TORCH_MODULE(Extractor);

}  // namespace gtrain
