#include "model/mlp.h"

#include "model/fast_dropout.h"
#include <stdexcept>

namespace gtrain {

MlpImpl::MlpImpl(std::vector<int64_t> dims, bool with_dropout_slot, double p)
    : dropout_slot(with_dropout_slot), dropout(p) {
  if (dims.size() < 2) throw std::invalid_argument("Mlp: needs at least input and output sizes");
  for (size_t k = 0; k + 1 < dims.size(); ++k)
    layers.push_back(register_module(std::to_string(index_of(k)), Linear(dims[k], dims[k + 1])));
}

torch::Tensor MlpImpl::forward_range(torch::Tensor x, size_t from, size_t to) {
  for (size_t k = from; k < to; ++k) {
    x = layers[k]->forward(x);
    if (k + 1 < layers.size()) {
      x = torch::relu(x);
      if (dropout_slot && dropout > 0 && is_training()) x = gtrain::dropout(x, dropout, /*train=*/true);
    }
  }
  return x;
}

torch::Tensor MlpImpl::forward(const torch::Tensor& x) { return forward_range(x, 0, layers.size()); }

}  // namespace gtrain
