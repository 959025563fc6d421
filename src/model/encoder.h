// What the GLiNER2 heads need from an encoder: token ids (and padding mask) in, one hidden state
// per token out, [B, T] -> [B, T, hidden_size]. DeBERTa-v2/v3 (model/deberta.h) and the BERT
// family (model/bert.h: bert, roberta, electra, xlm-roberta) implement it; make_encoder picks one
// from the config's model_type. The module is registered as "encoder" in the GLiNER2 model, and
// each implementation names its parameters exactly as Hugging Face does, so checkpoints load as
// they are published.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/activation.h"
#include "model/encoder_config.h"
#include "model/linear.h"

namespace gtrain {

struct EncoderImpl : torch::nn::Module {
  explicit EncoderImpl(double initializer_range) : initializer_range_(initializer_range) {}

  // input_ids [B, T] int64; attention_mask [B, T] (1 = token, 0 = padding; undefined = all ones);
  // token_type_ids [B, T] (undefined = zeros, which is what GLiNER2 passes). Returns the last
  // hidden state [B, T, H]. When all_hidden_states is given it receives num_hidden_layers + 1
  // tensors: the embedding output (the first layer's input), then each layer's output.
  // Not virtual: the defaults live here once (a default argument on a virtual function binds by
  // the caller's static type); each family implements encode().
  torch::Tensor forward(const torch::Tensor& input_ids, const torch::Tensor& attention_mask = {},
                        std::vector<torch::Tensor>* all_hidden_states = nullptr,
                        const torch::Tensor& token_type_ids = {}) {
    if (input_ids.dim() != 2) throw std::invalid_argument("encoder: input_ids must be [B, T]");
    return encode(input_ids, attention_mask, all_hidden_states, token_type_ids);
  }
  // Hugging Face's _init_weights over every submodule: Linear / Embedding weights ~ N(0,
  // initializer_range), biases 0, padding row 0, LayerNorm weight 1 / bias 0 (a from-scratch
  // encoder); the same for every family.
  void init_weights();
  // Recompute each layer's activations in backward instead of keeping them (training only).
  void set_gradient_checkpointing(bool on) { gradient_checkpointing_ = on; }

 protected:
  virtual torch::Tensor encode(const torch::Tensor& input_ids, const torch::Tensor& attention_mask,
                               std::vector<torch::Tensor>* all_hidden_states, const torch::Tensor& token_type_ids) = 0;
  // Whether this forward recomputes its layers in backward: asked for, training, and recording
  // gradients (under NoGradGuard there is nothing to save).
  bool checkpoint_layers() const {
    return gradient_checkpointing_ && is_training() && torch::GradMode::is_enabled();
  }

 private:
  double initializer_range_;
  bool gradient_checkpointing_ = false;
};

// Hugging Face's _init_weights over every submodule of m (gtrain::Linear, Embedding, LayerNorm);
// LoRA adapters are left as they are.
void hf_init_weights(torch::nn::Module& m, double initializer_range);

// nn.LayerNorm(h, eps) with affine weights, as every HF encoder builds it.
inline torch::nn::LayerNorm hf_layer_norm(int64_t h, double eps) {
  return torch::nn::LayerNorm(torch::nn::LayerNormOptions({h}).eps(eps).elementwise_affine(true));
}

// dense -> dropout -> LayerNorm(x + residual), with HF's names "dense" and "LayerNorm": the
// attention output (HF *SelfOutput, in_features = hidden_size) and the layer output (HF *Output,
// in_features = intermediate_size) of both the BERT family and DeBERTa.
struct ResidualOutputImpl : torch::nn::Module {
  ResidualOutputImpl(int64_t in_features, int64_t hidden_size, double layer_norm_eps, double dropout_p);
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& residual);
  double dropout_p;
  Linear dense{nullptr};
  torch::nn::LayerNorm LayerNorm{nullptr};
};
TORCH_MODULE(ResidualOutput);

// act(dense(x)) with HF's name "dense": the intermediate of both the BERT family and DeBERTa. act is
// the config's hidden_act: gelu / gelu_python (exact erf), gelu_new / gelu_fast /
// gelu_pytorch_tanh (tanh), relu, silu / swish.
struct IntermediateImpl : torch::nn::Module {
  // act: a hidden_act name (model/activation.h); another throws std::invalid_argument.
  IntermediateImpl(int64_t hidden_size, int64_t intermediate_size, const std::string& act);
  torch::Tensor forward(const torch::Tensor& hidden);
  Activation act;
  Linear dense{nullptr};
};
TORCH_MODULE(Intermediate);

// The layer loop of both families. layer_forward(i, hidden, carried) runs layer i; hidden goes
// through layers 0..num_layers-1 in order, and *all_hidden_states (when given) gets each layer's
// input and the last output. With `checkpoint` each layer is recomputed in backward
// (model/activation_checkpoint.h), so layer_forward is kept until then: capture by value.
// `carried` (may be undefined) is a tensor every layer reads that needs its gradient through the
// recomputation (DeBERTa's relative-position table): the checkpoint takes it as an input and
// layer_forward gets that copy (without checkpointing, `carried` itself).
using LayerForward =
    std::function<torch::Tensor(size_t layer, const torch::Tensor& hidden, const torch::Tensor& carried)>;
torch::Tensor run_layers(size_t num_layers, const LayerForward& layer_forward, torch::Tensor hidden,
                         const torch::Tensor& carried, bool checkpoint, std::vector<torch::Tensor>* all_hidden_states);

// A fresh (randomly initialised by PyTorch's defaults) encoder of the config's family.
std::shared_ptr<EncoderImpl> make_encoder(const EncoderConfig& cfg);

}  // namespace gtrain
