#include "model/encoder.h"

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

IntermediateImpl::IntermediateImpl(int64_t hidden_size, int64_t intermediate_size, std::string act_)
    : act(std::move(act_)) {
  dense = register_module("dense", Linear(hidden_size, intermediate_size));
}

torch::Tensor IntermediateImpl::forward(const torch::Tensor& hidden) {
  torch::Tensor x = dense(hidden);
  if (act == "gelu" || act == "gelu_python") return torch::gelu(x);
  // gelu_new / gelu_fast are the tanh approximation written out; torch's "tanh" GELU is the same
  // formula in one kernel (differences are fp32 rounding).
  if (act == "gelu_new" || act == "gelu_fast" || act == "gelu_pytorch_tanh") return torch::gelu(x, "tanh");
  if (act == "relu") return torch::relu(x);
  if (act == "silu" || act == "swish") return torch::silu(x);
  throw std::runtime_error("BERT encoder: unsupported hidden_act \"" + act + "\"");
}

std::shared_ptr<EncoderImpl> make_encoder(const EncoderConfig& cfg) {
  if (cfg.is_deberta()) return std::make_shared<DebertaV2ModelImpl>(cfg.deberta);
  return std::make_shared<BertModelImpl>(cfg.bert);
}

}  // namespace gtrain
