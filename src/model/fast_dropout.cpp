#include "model/fast_dropout.h"

#include <ATen/Dispatch.h>
#include <ATen/OpMathType.h>
#include <ATen/Parallel.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <mutex>

namespace gtrain {

namespace {

// murmur3's 32-bit finaliser over a seeded Weyl sequence: cheap, branch-free, vectorises.
inline uint32_t hash32(uint64_t i, uint32_t s0, uint32_t s1) {
  uint32_t h = static_cast<uint32_t>(i) * 0x9E3779B1u + s0;
  h ^= static_cast<uint32_t>(i >> 32) * 0x85EBCA77u + s1;
  h ^= h >> 16;
  h *= 0x85EBCA6Bu;
  h ^= h >> 13;
  h *= 0xC2B2AE35u;
  h ^= h >> 16;
  return h;
}

uint64_t draw_seed() {
  at::Generator g = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(g.mutex());
  return g.get<at::CPUGeneratorImpl>()->random64();
}

// out[i] = in[i] * scale * keep(i) over a contiguous floating tensor, in the dtype's math type
// (float for half and bfloat16), in parallel; keep(i) is 0 or 1 (a uint8_t). Arithmetic, not a
// branch, so the compiler vectorises it (x * 0 is 0 for the finite values a gradient holds; an
// inf/nan gradient stays visible to the loss scaler).
// Name: the kernel's name in dtype errors (a constant, as AT_DISPATCH wants).
constexpr char kForwardName[] = "hash_dropout";
constexpr char kBackwardName[] = "hash_dropout_backward";
template <const char* Name, class Keep>
torch::Tensor scale_kept(const torch::Tensor& in, double scale, Keep&& keep) {
  torch::Tensor out = torch::empty_like(in);
  AT_DISPATCH_FLOATING_TYPES_AND2(at::kHalf, at::kBFloat16, in.scalar_type(), Name, [&] {
    const scalar_t* xi = in.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    using acc_t = at::opmath_type<scalar_t>;
    const acc_t sc = static_cast<acc_t>(scale);
    at::parallel_for(0, in.numel(), 32768, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = static_cast<scalar_t>(static_cast<acc_t>(xi[i]) * (sc * static_cast<acc_t>(keep(i))));
    });
  });
  return out;
}

class HashDropout : public torch::autograd::Function<HashDropout> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x_in, double p) {
    const torch::Tensor x = x_in.contiguous();
    torch::Tensor mask = torch::empty(x.sizes(), x.options().dtype(torch::kUInt8));
    const uint64_t seed = draw_seed();
    const uint32_t s0 = static_cast<uint32_t>(seed), s1 = static_cast<uint32_t>(seed >> 32);
    // keep when h >= threshold: probability 1 - threshold / 2^32 = 1 - p (to 2^-32)
    const uint32_t threshold = static_cast<uint32_t>(std::min(std::llround(p * 4294967296.0), 4294967295LL));
    const double scale = 1.0 / (1.0 - p);
    uint8_t* m = mask.data_ptr<uint8_t>();
    torch::Tensor out = scale_kept<kForwardName>(x, scale, [&](int64_t i) {
      const uint8_t keep = hash32(static_cast<uint64_t>(i), s0, s1) >= threshold;
      m[i] = keep;
      return keep;
    });
    ctx->save_for_backward({mask});
    ctx->saved_data["scale"] = scale;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const torch::Tensor mask = ctx->get_saved_variables()[0];
    const double scale = ctx->saved_data["scale"].toDouble();
    const uint8_t* m = mask.data_ptr<uint8_t>();
    torch::Tensor gx = scale_kept<kBackwardName>(grads[0].contiguous(), scale, [m](int64_t i) { return m[i]; });
    return {gx, torch::Tensor()};
  }
};

}  // namespace
torch::Tensor dropout(const torch::Tensor& x, double p, bool training) {
  if (!training || p <= 0) return x;
  if (p >= 1) return x * 0;  // all dropped, still in the graph (zero gradient), as torch's
  if (!x.device().is_cpu() || !x.is_floating_point()) return torch::dropout(x, p, true);
  return HashDropout::apply(x, p);
}

}  // namespace gtrain
