#include "model/matmul.h"

#include <ATen/autocast_mode.h>
#include <dlfcn.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "model/accumulate_grad.h"

namespace gtrain {

namespace {

// at::native::mkldnn_matmul(mat1, mat2, result, beta, alpha): result = alpha · mat1 · mat2 +
// beta · result through oneDNN, for 2-D and 3-D (batched) operands. ATen exports it but ships no
// header for it, so it is looked up at run time: a LibTorch without it (another version, another
// platform) keeps torch's products instead of failing to link.
using MkldnnMatmul = void (*)(const at::Tensor&, const at::Tensor&, const at::Tensor&, float, float);

// True when f computes small fp32 products (plain, transposed, batched) as at::matmul does. Some
// builds refuse fp32 on CPUs without AVX-512 (the check ATen shares with bf16), and a symbol of the
// same name may mean something else in another version: either way the path stays off. Fixed
// values, not random ones: the probe must not move torch's random stream.
bool gives_torchs_products(MkldnnMatmul f) {
  try {
    torch::NoGradGuard ng;
    const torch::Tensor a = torch::arange(2 * 6 * 5, torch::kFloat32).reshape({2, 6, 5}).sin();
    const torch::Tensor b = torch::arange(2 * 4 * 5, torch::kFloat32).reshape({2, 4, 5}).cos();
    torch::Tensor out2 = torch::empty({6, 4}), out3 = torch::empty({2, 6, 4});
    f(a[0], b[0].t(), out2, 0.f, 1.f);
    f(a, b.transpose(1, 2), out3, 0.f, 1.f);
    return torch::allclose(out2, torch::matmul(a[0], b[0].t()), 1e-5, 1e-5) &&
           torch::allclose(out3, torch::matmul(a, b.transpose(1, 2)), 1e-5, 1e-5);
  } catch (const std::exception&) {
    return false;
  }
}

// oneDNN keeps a compiled kernel per product shape, in two caches (ideep's and its own) of 1,024
// entries each; a training run meets a new shape with every new row length, and at ~1 MB an entry
// the caches grew the process by hundreds of MB (bench step, toy shape: +214 MiB over 20 steps of
// new lengths, still growing). 64 entries each held it at +29 MiB over torch's products at 80
// steps. Set before oneDNN's first use; a value the user set wins.
void bound_onednn_caches() {
  setenv("LRU_CACHE_CAPACITY", "64", /*overwrite=*/0);
  setenv("ONEDNN_PRIMITIVE_CACHE_CAPACITY", "64", /*overwrite=*/0);
}

MkldnnMatmul find_mkldnn_matmul() {
  if (!at::hasMKLDNN()) return nullptr;
  bound_onednn_caches();
  auto f = reinterpret_cast<MkldnnMatmul>(dlsym(RTLD_DEFAULT, "_ZN2at6native13mkldnn_matmulERKNS_6TensorES3_S3_ff"));
  return f && gives_torchs_products(f) ? f : nullptr;
}

MkldnnMatmul onednn_matmul() {
  static const MkldnnMatmul f = find_mkldnn_matmul();
  return f;
}

// True when the oneDNN product adds into its result with beta = 1 as linear_backward's weight
// gradient does (transposed first operand, model/accumulate_grad.h); else that gradient is made
// fresh and autograd adds it, and the other products stay on oneDNN.
bool onednn_accumulates() {
  static const bool ok = [] {
    const MkldnnMatmul f = onednn_matmul();
    if (!f) return false;
    try {
      torch::NoGradGuard ng;
      const torch::Tensor g = torch::arange(7 * 6, torch::kFloat32).reshape({7, 6}).sin();
      const torch::Tensor x = torch::arange(7 * 5, torch::kFloat32).reshape({7, 5}).cos();
      torch::Tensor acc = torch::ones({6, 5});
      f(g.t(), x, acc, 1.f, 1.f);
      return torch::allclose(acc, torch::matmul(g.t(), x) + 1, 1e-5, 1e-5);
    } catch (const std::exception&) {
      return false;
    }
  }();
  return ok;
}

// GTRAIN_CPU_MATMUL=torch keeps torch's products in every command (an escape hatch, and the
// before/after switch of the benchmarks).
CpuMatmul initial_cpu_matmul() {
  const char* e = std::getenv("GTRAIN_CPU_MATMUL");
  return e && std::string(e) == "torch" ? CpuMatmul::torch : CpuMatmul::onednn;
}

std::atomic<CpuMatmul> g_cpu_matmul{initial_cpu_matmul()};

// Products of fewer multiply-adds stay with torch: there a kernel lookup (or a new shape's
// compilation) costs more than oneDNN's faster arithmetic saves (the toy shape's step was ~20%
// slower with every product on oneDNN).
std::atomic<double> g_min_macs{double(1 << 24)};

bool takes_onednn_path(double macs, std::initializer_list<const torch::Tensor*> ts) {
  if (macs < g_min_macs.load() || !cpu_matmul_uses_onednn() || at::autocast::is_autocast_enabled(at::kCPU)) return false;
  for (const torch::Tensor* t : ts)
    if (t->defined() && (!t->device().is_cpu() || t->scalar_type() != torch::kFloat32 || t->numel() == 0))
      return false;
  return true;
}

// ATen's wrapper hands oneDNN contiguous and transposed operands as they are and copies other
// layouts itself; an expanded (stride 0) batch is made contiguous here first, in case a version's
// wrapper does not.
torch::Tensor as_operand(const torch::Tensor& t) {
  const int64_t d = t.dim();
  bool ok = t.stride(d - 1) == 1 || t.stride(d - 2) == 1;
  for (int64_t i = 0; i < d; ++i) ok = ok && (t.stride(i) > 0 || t.size(i) == 1);
  return ok ? t : t.contiguous();
}

// out = a · b (out contiguous, of the product's shape).
void product_into(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& out) {
  onednn_matmul()(as_operand(a), as_operand(b), out, /*beta=*/0.f, /*alpha=*/1.f);
}

torch::Tensor product(const torch::Tensor& a, const torch::Tensor& b) {
  std::vector<int64_t> shape(a.sizes().begin(), a.sizes().end());
  shape.back() = b.size(-1);
  torch::Tensor out = torch::empty(shape, a.options());
  product_into(a, b, out);
  return out;
}

// y = x · wᵀ (+ b); saves what the backward needs.
// The output is a tensor of its own, not a view: in-place ops on a custom function's view output
// are refused under autograd (span_rep's unfused path applies relu_ to one).
torch::Tensor linear_forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& w,
                             const torch::Tensor& b) {
  const torch::Tensor x2 = x.reshape({-1, x.size(-1)});
  std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
  shape.back() = w.size(0);
  torch::Tensor y = torch::empty(shape, x.options());
  const torch::Tensor y2 = y.view({-1, w.size(0)});
  product_into(x2, w.t(), y2);
  if (b.defined()) y2.add_(b);
  ctx->save_for_backward({x2, w});
  return y;
}

// {dx, dw[, db]}: dx = g · w, dw = gᵀ · x, db = Σ g (each only where asked for). dx has the
// output gradient's shape with the input's width in the last place, which is x's shape. When w
// already has a gradient (a later micro-batch), dw is added into it by the product itself and
// returned undefined (model/accumulate_grad.h).
torch::autograd::variable_list linear_backward(torch::autograd::AutogradContext* ctx, const torch::Tensor& grad,
                                               bool bias) {
  // The products below are outside autograd: a gradient of this gradient would be silently missing.
  TORCH_CHECK(!torch::GradMode::is_enabled(),
              "gtrain::linear: no double backward through the oneDNN products (GTRAIN_CPU_MATMUL=torch has it)");
  const auto saved = ctx->get_saved_variables();
  const torch::Tensor &x2 = saved[0], &w = saved[1];
  const torch::Tensor g = grad.reshape({-1, w.size(0)});
  torch::Tensor gx, gw, gb;
  if (ctx->needs_input_grad(0)) {
    std::vector<int64_t> x_shape(grad.sizes().begin(), grad.sizes().end());
    x_shape.back() = w.size(1);
    gx = product(g, w).view(x_shape);
  }
  if (ctx->needs_input_grad(1)) {
    if (torch::Tensor acc = onednn_accumulates() ? grad_to_accumulate_into(w) : torch::Tensor(); acc.defined())
      onednn_matmul()(as_operand(g.t()), as_operand(x2), acc, /*beta=*/1.f, /*alpha=*/1.f);  // acc += gᵀ · x
    else
      gw = product(g.t(), x2);
  }
  if (bias && ctx->needs_input_grad(2)) gb = g.sum(0);
  return bias ? torch::autograd::variable_list{gx, gw, gb} : torch::autograd::variable_list{gx, gw};
}

// With and without the bias (an autograd function's inputs must all be defined tensors): the
// backward knows which from the type, so nothing is stored per call.
template <bool HasBias>
class OnednnLinear : public torch::autograd::Function<OnednnLinear<HasBias>> {
 public:
  template <class... Bias>
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& w, const Bias&... b) {
    static_assert(sizeof...(Bias) == (HasBias ? 1 : 0), "the bias is there exactly when HasBias");
    torch::Tensor bias;
    ((bias = b), ...);
    return linear_forward(ctx, x, w, bias);
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    return linear_backward(ctx, grads[0], HasBias);
  }
};

class OnednnBmm : public torch::autograd::Function<OnednnBmm> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& a,
                               const torch::Tensor& b) {
    ctx->save_for_backward({a, b});
    return product(a, b);
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    TORCH_CHECK(!torch::GradMode::is_enabled(),
                "gtrain::bmm: no double backward through the oneDNN products (GTRAIN_CPU_MATMUL=torch has it)");
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor &a = saved[0], &b = saved[1];
    const torch::Tensor& g = grads[0];
    torch::Tensor ga, gb;
    if (ctx->needs_input_grad(0)) ga = product(g, b.transpose(1, 2));
    if (ctx->needs_input_grad(1)) gb = product(a.transpose(1, 2), g);
    return {ga, gb};
  }
};

}  // namespace

void set_cpu_matmul(CpuMatmul m) { g_cpu_matmul.store(m); }
void set_onednn_min_macs(double macs) { g_min_macs.store(macs); }
double onednn_min_macs() { return g_min_macs.load(); }
CpuMatmul cpu_matmul() { return g_cpu_matmul.load(); }
bool cpu_matmul_uses_onednn() { return g_cpu_matmul.load() == CpuMatmul::onednn && onednn_matmul() != nullptr; }

torch::Tensor linear(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& b) {
  // Shapes that do not fit go to torch, for its error message.
  const bool fits = x.dim() >= 1 && w.dim() == 2 && x.size(-1) == w.size(1) &&
                    (!b.defined() || (b.dim() == 1 && b.size(0) == w.size(0)));
  if (fits && takes_onednn_path(double(x.numel()) * double(w.size(0)), {&x, &w, &b}))
    return b.defined() ? OnednnLinear<true>::apply(x, w, b) : OnednnLinear<false>::apply(x, w);
  return torch::nn::functional::linear(x, w, b);
}

torch::Tensor bmm(const torch::Tensor& a, const torch::Tensor& b) {
  const bool fits = a.dim() == 3 && b.dim() == 3 && a.size(0) == b.size(0) && a.size(2) == b.size(1);
  if (fits && takes_onednn_path(double(a.numel()) * double(b.size(2)), {&a, &b})) return OnednnBmm::apply(a, b);
  return torch::bmm(a, b);
}

}  // namespace gtrain
