#include "model/encoder.h"

#include "model/activation_checkpoint.h"
#include "model/bert.h"
#include "model/deberta.h"
#include "model/fast_dropout.h"
#include "model/linear.h"

#include <stdexcept>
#include <utility>

namespace gtrain {

void EncoderImpl::init_weights() { hf_init_weights(*this, initializer_range_); }

void hf_init_weights(torch::nn::Module& root, double std) {
  torch::NoGradGuard no_grad;
  for (auto& m : root.modules(/*include_self=*/false)) {
    if (auto* lin = m->as<LinearImpl>()) {
      lin->weight.normal_(0.0, std);
      if (lin->bias.defined()) lin->bias.zero_();
    } else if (auto* emb = m->as<torch::nn::EmbeddingImpl>()) {
      emb->weight.normal_(0.0, std);
      if (emb->options.padding_idx().has_value()) emb->weight[*emb->options.padding_idx()].zero_();
    } else if (auto* ln = m->as<torch::nn::LayerNormImpl>()) {
      ln->weight.fill_(1.0);
      ln->bias.zero_();
    }
  }
}

ResidualOutputImpl::ResidualOutputImpl(int64_t in_features, int64_t hidden_size, double layer_norm_eps,
                                       double dropout_p_)
    : dropout_p(dropout_p_) {
  dense = register_module("dense", Linear(in_features, hidden_size));
  LayerNorm = register_module("LayerNorm", hf_layer_norm(hidden_size, layer_norm_eps));
}

torch::Tensor ResidualOutputImpl::forward(const torch::Tensor& x, const torch::Tensor& residual) {
  return LayerNorm(gtrain::dropout(dense(x), dropout_p, is_training()) + residual);
}

IntermediateImpl::IntermediateImpl(int64_t hidden_size, int64_t intermediate_size, const std::string& name) {
  const auto a = enum_from_name(kActivationNames, name);
  if (!a) throw std::invalid_argument("encoder: unsupported hidden_act \"" + name + "\" (" + activation_names() + ")");
  act = *a;
  dense = register_module("dense", Linear(hidden_size, intermediate_size));
}

torch::Tensor IntermediateImpl::forward(const torch::Tensor& hidden) {
  torch::Tensor x = dense(hidden);
  switch (act) {
    case Activation::GeluErf: return torch::gelu(x);
    case Activation::GeluTanh: return torch::gelu(x, "tanh");  // gelu_new's formula in one kernel (fp32 rounding apart)
    case Activation::Relu: return torch::relu(x);
    case Activation::Silu: return torch::silu(x);
  }
  throw std::logic_error("Intermediate: an Activation without a kernel");
}

torch::Tensor run_layers(size_t num_layers, const LayerForward& layer_forward, torch::Tensor hidden,
                         const torch::Tensor& carried, bool checkpoint, std::vector<torch::Tensor>* all_hidden_states) {
  for (size_t i = 0; i < num_layers; ++i) {
    if (all_hidden_states) all_hidden_states->push_back(hidden);
    if (checkpoint) {
      std::vector<torch::Tensor> inputs{hidden};
      if (carried.defined()) inputs.push_back(carried);
      hidden = checkpointed(
          [layer_forward, i](const std::vector<torch::Tensor>& in) {
            return layer_forward(i, in[0], in.size() > 1 ? in[1] : torch::Tensor());
          },
          inputs);
    } else {
      hidden = layer_forward(i, hidden, carried);
    }
  }
  if (all_hidden_states) all_hidden_states->push_back(hidden);
  return hidden;
}

std::shared_ptr<EncoderImpl> make_encoder(const EncoderConfig& cfg) {
  if (cfg.is_deberta()) return std::make_shared<DebertaV2ModelImpl>(cfg.deberta);
  return std::make_shared<BertModelImpl>(cfg.bert);
}

}  // namespace gtrain
