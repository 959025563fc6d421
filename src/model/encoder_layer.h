// The transformer layer the BERT family and DeBERTa share, with Hugging Face's module names:
//   attention.self (the family's self-attention), attention.output (ResidualOutput),
//   intermediate.dense (Intermediate), output (ResidualOutput).
// SelfAttention is the family's module holder (BertSelfAttention, DisentangledSelfAttention) and
// Inputs what its forward takes besides the hidden states (BERT's additive mask, DeBERTa's
// DebertaV2AttentionInputs).
#pragma once
#include <torch/torch.h>

#include "model/encoder.h"

namespace gtrain {

// HF *Attention: self-attention, then dense -> dropout -> LayerNorm(x + hidden).
template <class SelfAttention, class Inputs>
struct EncoderAttentionImpl : torch::nn::Module {
  template <class Config>
  explicit EncoderAttentionImpl(const Config& c) {
    self = register_module("self", SelfAttention(c));
    output = register_module("output",
                             ResidualOutput(c.hidden_size, c.hidden_size, c.layer_norm_eps, c.hidden_dropout_prob));
  }
  torch::Tensor forward(const torch::Tensor& hidden, const Inputs& in) { return output(self(hidden, in), hidden); }

  SelfAttention self{nullptr};
  ResidualOutput output{nullptr};  // HF *SelfOutput
};

// HF *Layer: attention, then intermediate and the residual output.
template <class SelfAttention, class Inputs>
struct EncoderLayerImpl : torch::nn::Module {
  using Attention = torch::nn::ModuleHolder<EncoderAttentionImpl<SelfAttention, Inputs>>;

  template <class Config>
  explicit EncoderLayerImpl(const Config& c) {
    attention = register_module("attention", Attention(c));
    intermediate = register_module("intermediate", Intermediate(c.hidden_size, c.intermediate_size, c.hidden_act));
    output = register_module(
        "output", ResidualOutput(c.intermediate_size, c.hidden_size, c.layer_norm_eps, c.hidden_dropout_prob));
  }
  torch::Tensor forward(const torch::Tensor& hidden, const Inputs& in) {
    torch::Tensor attention_output = attention(hidden, in);
    return output(intermediate(attention_output), attention_output);
  }

  Attention attention{nullptr};
  Intermediate intermediate{nullptr};
  ResidualOutput output{nullptr};  // HF *Output
};

}  // namespace gtrain
