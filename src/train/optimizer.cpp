#include "train/optimizer.h"

namespace gtrain {

TrainOptimizer make_optimizer(torch::nn::Module& model, const OptimConfig& cfg) {
  TrainOptimizer o;
  std::vector<torch::Tensor> buckets[4];  // encoder, encoder/no_decay, heads, heads/no_decay
  const char* names[4] = {"encoder", "encoder/no_decay", "heads", "heads/no_decay"};
  int64_t counts[4] = {0, 0, 0, 0};
  for (const auto& item : model.named_parameters(/*recurse=*/true)) {
    if (!item.value().requires_grad()) continue;
    const std::string& n = item.key();
    // GLiNER2's split: a name containing "encoder" trains at the encoder rate.
    const bool enc = n.find("encoder") != std::string::npos;
    bool nd = false;
    for (const std::string& s : cfg.no_decay) nd |= n.find(s) != std::string::npos;
    const int g = (enc ? 0 : 2) + (nd ? 1 : 0);
    buckets[g].push_back(item.value());
    counts[g] += item.value().numel();
    o.params.push_back(item.value());
  }
  std::vector<torch::optim::OptimizerParamGroup> groups;
  for (int g = 0; g < 4; ++g) {
    if (buckets[g].empty()) continue;
    const double lr = g < 2 ? cfg.encoder_lr : cfg.head_lr;
    auto opt = std::make_unique<torch::optim::AdamWOptions>(lr);
    opt->betas({0.9, 0.999}).eps(1e-8).weight_decay(g % 2 ? 0.0 : cfg.weight_decay);
    groups.emplace_back(buckets[g], std::move(opt));
    o.groups.push_back(ParamGroupInfo{names[g], lr, static_cast<int64_t>(buckets[g].size()), counts[g]});
  }
  if (groups.empty()) throw std::runtime_error("no trainable parameters (everything is frozen)");
  o.adamw = std::make_unique<torch::optim::AdamW>(std::move(groups), torch::optim::AdamWOptions(cfg.head_lr));
  return o;
}

void TrainOptimizer::set_lr_factor(double f) {
  auto& pg = adamw->param_groups();
  for (size_t i = 0; i < pg.size(); ++i)
    static_cast<torch::optim::AdamWOptions&>(pg[i].options()).lr(groups[i].base_lr * f);
}

}  // namespace gtrain
