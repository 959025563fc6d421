// The word-embedding lookup, with its table gradient written into a buffer kept from one step to
// the next. torch's CPU embedding backward allocates a fresh zeroed [vocab, H] gradient every step
// (128,011 x 768 floats = 393 MB at the `small` shape); glibc serves blocks over 32 MiB straight
// from the kernel and gives them back on free, so each step pays a page fault and the kernel's
// zero-fill per 4 KiB page before torch's own zero-fill: 102 ms for that table, against 11.5 ms to
// zero a kept buffer (2 threads, this project's 2-core VM). The table's gradient is the same
// (the summed rows of the batch's ids; the padding row gets none), so AdamW's results are too.
// Under gradient accumulation, later micro-batches add their rows into the table's gradient
// itself (model/accumulate_grad.h).
#pragma once
#include <torch/torch.h>

#include <vector>

namespace gtrain {

// weight[ids] (as torch::nn::functional::embedding with padding_idx; < 0 = none). On the CPU with
// autograd recording, the backward fills a kept buffer (see release_gradients); elsewhere torch's.
torch::Tensor embedding(const torch::Tensor& weight, const torch::Tensor& ids, int64_t padding_idx);
// The module's own lookup when it uses an option this one does not (max_norm, scale_grad_by_freq, sparse).
inline torch::Tensor embedding(torch::nn::Embedding table, const torch::Tensor& ids) {  // a handle: cheap to copy
  const auto& o = table->options;
  if (o.max_norm() || o.scale_grad_by_freq() || o.sparse()) return table->forward(ids);
  return gtrain::embedding(table->weight, ids, o.padding_idx().value_or(-1));
}

// Drops each parameter's gradient (as setting it to an undefined tensor does), keeping a buffer the
// backward of embedding() made (one per shape) when nothing else holds its memory — not a view of
// the reducer's buckets, nor a tensor someone kept — for the next backward to fill again. The
// optimizer step's zero_grad(set_to_none) in the trainer and `bench step`.
void release_gradients(std::vector<torch::Tensor>& params);
// The kept buffers, freed (tests; memory back before something that needs it), and their size.
void clear_kept_gradients();
int64_t kept_gradient_bytes();

}  // namespace gtrain
