// The one Linear layer of every gtrain model: torch::nn::Linear's parameters and names
// ("weight" [out, in], "bias" [out]) plus an optional LoRA adapter (src/model/lora.h attaches
// it), so that adapters can be added to any layer by name without rebuilding the module tree.
#pragma once
#include <torch/torch.h>

#include "model/matmul.h"

namespace gtrain {

struct LoraAdapter {
  torch::Tensor A;       // [r, in], registered as "lora_A" on the Linear
  torch::Tensor B;       // [out, r], registered as "lora_B" (zeros at start)
  double scale = 1.0;    // alpha / r
  double dropout = 0.0;  // on the adapter's input only
};

struct LinearImpl : torch::nn::Module {
  LinearImpl(int64_t in_features, int64_t out_features, bool with_bias = true)
      : in(in_features), out(out_features) {
    weight = register_parameter("weight", torch::empty({out, in}));
    if (with_bias) bias = register_parameter("bias", torch::empty({out}));
    reset_parameters();
  }
  // torch::nn::Linear's default init (kaiming-uniform a=sqrt(5), bias U(-1/sqrt(in), 1/sqrt(in))).
  void reset_parameters() {
    torch::NoGradGuard g;
    torch::nn::init::kaiming_uniform_(weight, std::sqrt(5.0));
    if (bias.defined()) {
      const double bound = in > 0 ? 1.0 / std::sqrt(static_cast<double>(in)) : 0.0;
      torch::nn::init::uniform_(bias, -bound, bound);
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor y = gtrain::linear(x, weight, bias);
    if (lora.A.defined()) {
      torch::Tensor h = lora.dropout > 0 && is_training()
                            ? torch::dropout(x, lora.dropout, /*train=*/true)
                            : x;
      y = y + gtrain::linear(gtrain::linear(h, lora.A), lora.B) * lora.scale;
    }
    return y;
  }
  bool has_lora() const { return lora.A.defined(); }

  // Registers A [r, in] and B [out, r] as the parameters "lora_A" / "lora_B" of this module
  // (trainable) and makes forward() add scale * B(A(dropout(x))). Throws when an adapter is
  // already attached or the shapes do not fit. Normally called through gtrain::apply_lora.
  void attach_lora(const torch::Tensor& A, const torch::Tensor& B, double scale, double dropout) {
    TORCH_CHECK(!has_lora(), "Linear: a LoRA adapter is already attached");
    TORCH_CHECK(A.dim() == 2 && B.dim() == 2 && A.size(1) == in && B.size(0) == out && B.size(1) == A.size(0),
                "Linear: LoRA shapes A ", A.sizes(), " / B ", B.sizes(), " do not fit a Linear(", in, " -> ",
                out, ")");
    lora.A = register_parameter("lora_A", A, /*requires_grad=*/true);
    lora.B = register_parameter("lora_B", B, /*requires_grad=*/true);
    lora.scale = scale;
    lora.dropout = dropout;
  }
  // Unregisters "lora_A" / "lora_B" without touching weight (no-op without an adapter).
  void detach_lora() {
    if (!has_lora()) return;
    parameters_.erase("lora_A");
    parameters_.erase("lora_B");
    lora = LoraAdapter{};
  }
  // weight += scale * B A (in weight's dtype, without autograd), then detach_lora(). The layer's
  // output is unchanged (up to rounding) and its parameters are plain "weight"/"bias" again.
  void merge_lora() {
    if (!has_lora()) return;
    {
      torch::NoGradGuard g;
      const auto ct = torch::promote_types(weight.scalar_type(), torch::kFloat32);  // fp16/bf16 -> fp32
      weight.copy_(weight.to(ct) + torch::matmul(lora.B.to(ct), lora.A.to(ct)) * lora.scale);
    }
    detach_lora();
  }

  int64_t in, out;
  torch::Tensor weight, bias;
  LoraAdapter lora;
};
TORCH_MODULE(Linear);

}  // namespace gtrain
