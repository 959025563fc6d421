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

namespace gtrain {

struct HfEncoderWeights {
  std::string prefix;                            // "", "bert.", "roberta.", "electra.", "deberta.", "encoder."
  std::map<std::string, torch::Tensor> tensors;  // bare-model names: embeddings.*, encoder.*, embeddings_project.*
  // Tensors of the file outside the encoder, by full name: pretraining heads, the pooler (GLiNER2
  // reads the last hidden state only) and the non-learned position_ids / token_type_ids buffers.
  std::vector<std::string> dropped;
  std::string word_embeddings_dtype;  // "F32", "F16", ...
};

// Reads path (a model.safetensors). Throws std::runtime_error naming the file when it has no word
// embeddings, several candidates, or a non-floating encoder tensor.
HfEncoderWeights read_hf_encoder_weights(const std::string& path);

}  // namespace gtrain
