#include "model/encoder.h"

#include "model/bert.h"
#include "model/deberta.h"
#include "model/linear.h"

namespace gtrain {

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

std::shared_ptr<EncoderImpl> make_encoder(const EncoderConfig& cfg) {
  if (cfg.is_deberta()) return std::make_shared<DebertaV2ModelImpl>(cfg.deberta);
  return std::make_shared<BertModelImpl>(cfg.bert);
}

}  // namespace gtrain
