#include "model/embedding.h"

#include <algorithm>
#include <mutex>

#include "model/accumulate_grad.h"

namespace gtrain {

namespace {

constexpr int64_t kKeepBytes = int64_t{32} << 20;  // glibc's largest mmap threshold on 64-bit

struct KeptGradients {
  std::mutex m;
  std::vector<torch::Tensor> buffers;  // released, waiting for the next backward (one per shape)
  std::vector<const void*> handed_out;  // the buffers the backward returned since (the last few)
};

KeptGradients& kept() {
  static KeptGradients k;
  return k;
}

// A zeroed tensor of this shape and type: a kept buffer when one fits, else a new one.
torch::Tensor zeroed(at::IntArrayRef sizes, const torch::TensorOptions& o) {
  {
    KeptGradients& k = kept();
    std::lock_guard<std::mutex> l(k.m);
    for (size_t i = 0; i < k.buffers.size(); ++i) {
      const torch::Tensor& b = k.buffers[i];
      if (b.sizes() == sizes && b.scalar_type() == o.dtype().toScalarType() && b.device() == o.device()) {
        torch::Tensor t = std::move(k.buffers[i]);
        k.buffers.erase(k.buffers.begin() + static_cast<std::ptrdiff_t>(i));
        return t.zero_();
      }
    }
  }
  return torch::zeros(sizes, o);
}

// Remembers a gradient the backward returns, so release_gradients keeps that one and no other.
void note_handed_out(const torch::Tensor& t) {
  if (static_cast<int64_t>(t.nbytes()) < kKeepBytes) return;
  KeptGradients& k = kept();
  std::lock_guard<std::mutex> l(k.m);
  k.handed_out.push_back(t.data_ptr());
  if (k.handed_out.size() > 8) k.handed_out.erase(k.handed_out.begin());  // accumulation's extra buffers
}

class KeptBufferEmbedding : public torch::autograd::Function<KeptBufferEmbedding> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& weight,
                               const torch::Tensor& ids, int64_t padding_idx) {
    ctx->save_for_backward({ids, weight});
    ctx->saved_data["padding_idx"] = padding_idx;
    return torch::embedding(weight, ids, padding_idx);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor ids = saved[0].reshape(-1);
    const int64_t padding_idx = ctx->saved_data["padding_idx"].toInt();
    const at::IntArrayRef sizes = saved[1].sizes();  // the table's
    torch::Tensor g = grads[0].reshape({-1, sizes[1]});
    if (torch::Tensor acc = grad_to_accumulate_into(saved[1]); acc.defined()) {
      // A later micro-batch: its rows go straight into the table's gradient (model/accumulate_grad.h).
      if (padding_idx >= 0) g = g.masked_fill(ids.eq(padding_idx).unsqueeze(1), 0);
      acc.index_add_(0, ids, g);
      return {torch::Tensor(), torch::Tensor(), torch::Tensor()};
    }
    torch::Tensor gw = zeroed(sizes, g.options());
    gw.index_add_(0, ids, g);
    if (padding_idx >= 0) gw[padding_idx].zero_();  // torch's embedding gives the padding row no gradient
    note_handed_out(gw);
    return {gw, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor embedding(const torch::Tensor& weight, const torch::Tensor& ids, int64_t padding_idx) {
  if (weight.device().is_cpu() && weight.dim() == 2 && weight.requires_grad() && torch::GradMode::is_enabled())
    return KeptBufferEmbedding::apply(weight, ids, padding_idx);
  return torch::embedding(weight, ids, padding_idx);
}

void release_gradients(std::vector<torch::Tensor>& params) {
  KeptGradients& k = kept();
  for (auto& p : params) {
    torch::Tensor g = std::move(p.mutable_grad());  // leaves the parameter's gradient undefined
    if (!g.defined() || static_cast<int64_t>(g.nbytes()) < kKeepBytes) continue;  // never one of ours
    // Its memory is this tensor's alone: no other handle, no other tensor on the storage (the
    // reducer's bucket views share one), the whole storage.
    const bool sole_owner = g.use_count() == 1 && g.storage().use_count() == 1 &&
                            g.is_contiguous() && g.storage_offset() == 0 &&
                            g.storage().nbytes() == static_cast<size_t>(g.nbytes());
    if (!sole_owner || !g.device().is_cpu()) continue;
    std::lock_guard<std::mutex> l(k.m);
    auto ours = std::find(k.handed_out.begin(), k.handed_out.end(), g.data_ptr());
    if (ours == k.handed_out.end()) continue;
    k.handed_out.erase(ours);
    const bool have_shape = std::any_of(k.buffers.begin(), k.buffers.end(),
                                        [&](const torch::Tensor& b) { return b.sizes() == g.sizes(); });
    if (!have_shape) k.buffers.push_back(std::move(g));
  }
}

int64_t kept_gradient_bytes() {
  KeptGradients& k = kept();
  std::lock_guard<std::mutex> l(k.m);
  int64_t n = 0;
  for (const auto& b : k.buffers) n += static_cast<int64_t>(b.nbytes());
  return n;
}

void clear_kept_gradients() {
  KeptGradients& k = kept();
  std::lock_guard<std::mutex> l(k.m);
  k.buffers.clear();
  k.handed_out.clear();
}

}  // namespace gtrain
