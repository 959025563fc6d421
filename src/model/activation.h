// The feed-forward activations of Hugging Face encoders (config.json's hidden_act) that gtrain
// computes, by the names transformers' ACT2FN gives them. Torch-free: the config parsers refuse
// other names, the encoder layers pick their kernel from the value.
#pragma once
#include <string>

#include "io/enum_names.h"

namespace gtrain {

enum class Activation {
  GeluErf,   // exact erf GELU
  GeluTanh,  // the tanh approximation (gelu_new / gelu_fast written out; torch's "tanh" GELU kernel)
  Relu,
  Silu,
};

inline constexpr EnumName<Activation> kActivationNames[] = {
    {Activation::GeluErf, "gelu"},      {Activation::GeluErf, "gelu_python"},       {Activation::GeluTanh, "gelu_new"},
    {Activation::GeluTanh, "gelu_fast"}, {Activation::GeluTanh, "gelu_pytorch_tanh"}, {Activation::Relu, "relu"},
    {Activation::Silu, "silu"},         {Activation::Silu, "swish"}};

// "gelu, gelu_python, ...": the accepted names, for error messages.
inline std::string activation_names() {
  std::string s;
  for (const auto& n : enum_names(kActivationNames)) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace gtrain
