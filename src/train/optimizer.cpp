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

void TrainOptimizer::step() {
  if (!fused) {
    adamw->step();
    return;
  }
  torch::NoGradGuard no_grad;
  auto& state = adamw->state();
  for (auto& group : adamw->param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamWOptions&>(group.options());
    if (o.amsgrad()) throw std::runtime_error("fused AdamW: amsgrad is not supported");
    std::vector<torch::Tensor> ps, gs, m, v, steps;
    for (const torch::Tensor& p : group.params()) {
      if (!p.grad().defined()) continue;  // as torch's AdamW: no gradient, no step, no decay
      auto it = state.find(p.unsafeGetTensorImpl());
      if (it == state.end()) {
        auto st = std::make_unique<torch::optim::AdamWParamState>();
        st->step(0);
        st->exp_avg(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        st->exp_avg_sq(torch::zeros_like(p, torch::MemoryFormat::Preserve));
        it = state.emplace(p.unsafeGetTensorImpl(), std::move(st)).first;
      }
      auto& st = static_cast<torch::optim::AdamWParamState&>(*it->second);
      st.step(st.step() + 1);
      if (p.device() != group.params()[0].device() || p.scalar_type() != group.params()[0].scalar_type())
        throw std::runtime_error("fused AdamW: one group's parameters must share device and dtype");
      ps.push_back(p);
      gs.push_back(p.grad());
      m.push_back(st.exp_avg());
      v.push_back(st.exp_avg_sq());
      // The kernel reads the (already incremented) step count from a float tensor.
      steps.push_back(torch::full({}, static_cast<double>(st.step()), torch::TensorOptions().dtype(torch::kFloat).device(p.device())));
    }
    if (ps.empty()) continue;
    at::_fused_adamw_(ps, gs, m, v, /*max_exp_avg_sqs=*/{}, steps, o.lr(), std::get<0>(o.betas()), std::get<1>(o.betas()),
                      o.weight_decay(), o.eps(), /*amsgrad=*/false, /*maximize=*/false);
  }
}

void TrainOptimizer::set_lr_factor(double f) {
  auto& pg = adamw->param_groups();
  for (size_t i = 0; i < pg.size(); ++i)
    static_cast<torch::optim::AdamWOptions&>(pg[i].options()).lr(groups[i].base_lr * f);
}

}  // namespace gtrain
