#include "model/activation_checkpoint.h"

#include <ATen/autocast_mode.h>

namespace gtrain {

namespace {

// Autocast of both device types a block can run on (CUDA fp16/bf16, CPU bf16).
struct AutocastState {
  bool on[2] = {false, false};
  at::ScalarType dtype[2] = {at::kHalf, at::kBFloat16};
};
constexpr c10::DeviceType kAutocastDevices[2] = {at::kCUDA, at::kCPU};

AutocastState autocast_state() {
  AutocastState s;
  for (int i = 0; i < 2; ++i) {
    s.on[i] = at::autocast::is_autocast_enabled(kAutocastDevices[i]);
    s.dtype[i] = at::autocast::get_autocast_dtype(kAutocastDevices[i]);
  }
  return s;
}
void set_autocast(const AutocastState& s) {
  for (int i = 0; i < 2; ++i) {
    at::autocast::set_autocast_dtype(kAutocastDevices[i], s.dtype[i]);
    at::autocast::set_autocast_enabled(kAutocastDevices[i], s.on[i]);
  }
}

// The generator states a block's dropout draws from.
struct RngStates {
  torch::Tensor cpu, cuda;
  int cuda_index = -1;
  static RngStates capture(const std::vector<torch::Tensor>& inputs) {
    RngStates s;
    s.cpu = at::detail::getDefaultCPUGenerator().get_state();
    for (const auto& t : inputs)
      if (t.defined() && t.is_cuda()) {
        s.cuda_index = t.device().index();
        s.cuda = at::globalContext().defaultGenerator(t.device()).get_state();
        break;
      }
    return s;
  }
  void restore() const {
    at::Generator cpu_gen = at::detail::getDefaultCPUGenerator();
    cpu_gen.set_state(cpu);
    if (cuda_index >= 0) {
      at::Generator g = at::globalContext().defaultGenerator(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(cuda_index)));
      g.set_state(cuda);
    }
  }
};

// What backward needs besides the inputs; kept in the autograd context as a capsule, so it lives
// exactly as long as the graph node does.
struct Saved : torch::CustomClassHolder {
  CheckpointBlock block;
  bool has_b = true;  // autograd cannot take an undefined input: a placeholder goes in its place
  RngStates rng;
  AutocastState autocast;
};

// Two differentiable inputs (the encoder's hidden states and relative embeddings); either may be
// undefined.
struct Checkpoint : torch::autograd::Function<Checkpoint> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, c10::intrusive_ptr<Saved> saved,
                               const torch::Tensor& a, const torch::Tensor& b) {
    const std::vector<torch::Tensor> inputs = {a, saved->has_b ? b : torch::Tensor()};
    saved->rng = RngStates::capture(inputs);
    saved->autocast = autocast_state();
    ctx->save_for_backward({a, b});
    torch::NoGradGuard ng;
    torch::Tensor out = saved->block(inputs);
    ctx->saved_data["saved"] = c10::IValue::make_capsule(std::move(saved));
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_out) {
    c10::intrusive_ptr<Saved> saved = c10::static_intrusive_pointer_cast<Saved>(ctx->saved_data["saved"].toCapsule());
    std::vector<torch::Tensor> inputs;
    for (const auto& t : ctx->get_saved_variables())
      inputs.push_back(t.defined() ? t.detach().requires_grad_(t.requires_grad()) : t);
    if (!saved->has_b) inputs[1] = torch::Tensor();

    // Replay the forward with the first run's generator states and autocast, then put the
    // current states back so the rest of the step draws as it would have.
    const RngStates now = RngStates::capture(inputs);
    const AutocastState ac_now = autocast_state();
    saved->rng.restore();
    set_autocast(saved->autocast);
    torch::Tensor out;
    {
      torch::AutoGradMode grad_on(true);
      out = saved->block(inputs);
    }
    set_autocast(ac_now);
    // The recomputation filled autocast's cast cache with this step's weights; left there, the
    // next step's forward would read stale copies after the optimizer updated the weights.
    if (saved->autocast.on[0] || saved->autocast.on[1]) at::autocast::clear_cache();
    now.restore();
    torch::autograd::backward({out}, {grad_out[0]});

    torch::autograd::variable_list grads;
    grads.push_back(torch::Tensor());  // for `saved`
    for (const auto& t : inputs) grads.push_back(t.defined() && t.requires_grad() ? t.grad() : torch::Tensor());
    return grads;
  }
};

}  // namespace

torch::Tensor checkpointed(const CheckpointBlock& block, const std::vector<torch::Tensor>& inputs) {
  if (!torch::GradMode::is_enabled()) return block(inputs);
  if (inputs.empty() || inputs.size() > 2) throw std::invalid_argument("checkpointed: one or two inputs");
  auto saved = c10::make_intrusive<Saved>();
  saved->block = block;
  torch::Tensor a = inputs[0], b = inputs.size() > 1 ? inputs[1] : torch::Tensor();
  // With frozen inputs (LoRA: every base weight frozen) the Function's output would need no
  // gradient and backward would never reach the block's trainable weights: make the input a
  // leaf that needs one (what Hugging Face's enable_input_require_grads does).
  if (!(a.defined() && a.requires_grad()) && !(b.defined() && b.requires_grad()) && a.defined())
    a = a.detach().requires_grad_(true);
  saved->has_b = b.defined();
  if (!saved->has_b) b = torch::zeros({0}, a.options().requires_grad(false));
  return Checkpoint::apply(saved, a, b);
}

}  // namespace gtrain
