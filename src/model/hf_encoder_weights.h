// The encoder tensors of a Hugging Face checkpoint as it is published: a bare model
// (DebertaV2Model, BertModel, XLMRobertaModel: "embeddings.*"), a pretraining model with the
// encoder under its family's prefix ("deberta.", "bert.", "roberta.", "electra.") and head tensors
// beside it (cls.*, lm_head.*, lm_predictions.*, discriminator_predictions.*, ...), or a GLiNER2
// checkpoint ("encoder."). The prefix is found from the one tensor ending in
// "embeddings.word_embeddings.weight".
#pragma once
#include <torch/torch.h>

#include <map>
#include <string>
#include <vector>

#include "model/encoder_config.h"

namespace gtrain {

struct HfEncoderWeights {
  std::string prefix;                            // "", "bert.", "roberta.", "electra.", "deberta.", "encoder."
  // bare-model names: embeddings.*, encoder.*, embeddings_project.*, pooler.*
  std::map<std::string, torch::Tensor> tensors;
  // Tensors of the file outside the encoder, by full name: pretraining heads and the non-learned
  // position_ids / token_type_ids buffers.
  std::vector<std::string> dropped;
  std::string word_embeddings_dtype;  // "F32", "F16", ...
};

// Reads path (a model.safetensors). Throws std::runtime_error naming the file when it has no word
// embeddings, several candidates, or a non-floating encoder tensor.
HfEncoderWeights read_hf_encoder_weights(const std::string& path);

// A pretraining checkpoint (*ForMaskedLM, *ForPreTraining) has no pooler, but the bare model that
// AutoModel builds, and so GLiNER2's state dict, has one: when cfg's model has a pooler and
// tensors lacks prefix + "pooler.dense.weight", adds it as transformers initialises a missing
// weight (N(0, initializer_range^2) from a generator seeded with seed + 1, bias 0). Returns whether
// it did. The pooler never runs, so its values do not change any result.
bool add_missing_pooler(std::map<std::string, torch::Tensor>& tensors, const std::string& prefix,
                        const EncoderConfig& cfg, uint64_t seed);

}  // namespace gtrain
