// tensor_diff A.safetensors B.safetensors [--rtol R]: compares two checkpoints tensor by tensor
// (same names, shapes and dtypes required; F32/F64 compared as numbers, others bytewise). Prints
// each tensor's relative L2 difference ||a - b|| / max(||b||, tiny) and max |a - b|, then the
// worst; exits 1 when a tensor's relative difference exceeds R (default 1e-5) or the files do
// not match in layout, 0 otherwise. Torch-free (io/safetensors).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "io/safetensors.h"

using namespace gtrain;

namespace {
double value_at(const void* p, DType d, uint64_t i) {
  if (d == DType::F32) {
    float f;
    std::memcpy(&f, static_cast<const char*>(p) + i * 4, 4);
    return f;
  }
  double v;
  std::memcpy(&v, static_cast<const char*>(p) + i * 8, 8);
  return v;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tensor_diff A.safetensors B.safetensors [--rtol R] [--quiet]\n");
    return 2;
  }
  double rtol = 1e-5;
  bool quiet = false;
  for (int i = 3; i < argc; ++i) {
    if (std::string(argv[i]) == "--rtol" && i + 1 < argc) rtol = std::atof(argv[++i]);
    else if (std::string(argv[i]) == "--quiet") quiet = true;
  }
  try {
    SafetensorsFile a(argv[1]), b(argv[2]);
    if (a.tensors().size() != b.tensors().size()) {
      std::printf("FAIL: %zu tensors vs %zu\n", a.tensors().size(), b.tensors().size());
      return 1;
    }
    double worst = 0, worst_abs = 0;
    std::string worst_name;
    int bad = 0;
    for (const TensorInfo& ta : a.tensors()) {
      const TensorInfo* tb = b.find(ta.name);
      if (!tb || tb->dtype != ta.dtype || tb->shape != ta.shape) {
        std::printf("FAIL: %s missing or of another dtype/shape in %s\n", ta.name.c_str(), argv[2]);
        return 1;
      }
      double rel = 0, maxabs = 0;
      if (ta.dtype == DType::F32 || ta.dtype == DType::F64) {
        double diff2 = 0, ref2 = 0;
        for (uint64_t i = 0; i < ta.numel(); ++i) {
          const double x = value_at(a.data(ta), ta.dtype, i), y = value_at(b.data(*tb), tb->dtype, i);
          diff2 += (x - y) * (x - y);
          ref2 += y * y;
          maxabs = std::max(maxabs, std::fabs(x - y));
        }
        rel = std::sqrt(diff2) / std::max(std::sqrt(ref2), 1e-30);
        if (!std::isfinite(rel)) rel = INFINITY;
      } else {
        rel = std::memcmp(a.data(ta), b.data(*tb), ta.nbytes()) == 0 ? 0.0 : INFINITY;
      }
      if (!quiet) std::printf("%-70s rel %.3e  max|a-b| %.3e\n", ta.name.c_str(), rel, maxabs);
      if (rel > rtol) ++bad;
      if (rel >= worst) {
        worst = rel;
        worst_abs = maxabs;
        worst_name = ta.name;
      }
    }
    std::printf("%s: %zu tensors, worst relative L2 difference %.3e (max |a-b| %.3e) at %s; tolerance %.1e\n",
                bad ? "FAIL" : "OK", a.tensors().size(), worst, worst_abs, worst_name.c_str(), rtol);
    return bad ? 1 : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tensor_diff: %s\n", e.what());
    return 2;
  }
}
