#include "model/span_rep.h"

#include "model/fast_dropout.h"
#include "model/flops.h"
#include "model/matmul.h"
#include <algorithm>
#include <stdexcept>

namespace gtrain {

namespace F = torch::nn::functional;

SpanIndex SpanIndex::build(const std::vector<int64_t>& lengths, int64_t max_len, int64_t max_width,
                           torch::Device device) {
  if (max_width < 1) throw std::invalid_argument("SpanIndex: max_width must be >= 1");
  SpanIndex s;
  s.batch = static_cast<int64_t>(lengths.size());
  s.max_len = max_len;
  s.max_width = max_width;
  int64_t n = 0;
  for (int64_t len : lengths) {
    if (len < 0 || len > max_len)
      throw std::invalid_argument("SpanIndex: length " + std::to_string(len) + " outside [0, " +
                                  std::to_string(max_len) + "]");
    n += candidate_spans(len, max_width);
  }
  torch::Tensor start = torch::empty({n}, torch::kInt64);
  torch::Tensor end = torch::empty({n}, torch::kInt64);
  torch::Tensor flat = torch::empty({n}, torch::kInt64);
  torch::Tensor valid = torch::zeros({s.batch, max_len, max_width}, torch::kBool);
  int64_t* ps = start.data_ptr<int64_t>();
  int64_t* pe = end.data_ptr<int64_t>();
  int64_t* pf = flat.data_ptr<int64_t>();
  bool* pv = valid.data_ptr<bool>();
  int64_t k = 0;
  for (int64_t b = 0; b < s.batch; ++b) {
    const int64_t len = lengths[b];
    for (int64_t i = 0; i < len; ++i) {
      const int64_t row = b * max_len + i;
      for (int64_t j = 0; j < max_width && i + j < len; ++j, ++k) {
        ps[k] = row;
        pe[k] = row + j;
        pf[k] = row * max_width + j;
        pv[row * max_width + j] = true;
      }
    }
  }
  const bool cpu = device.is_cpu();
  s.start = cpu ? start : start.to(device);
  s.end = cpu ? end : end.to(device);
  s.flat = cpu ? flat : flat.to(device);
  s.valid = cpu ? valid : valid.to(device);
  return s;
}

SpanMarkerV0Impl::SpanMarkerV0Impl(int64_t hidden, int64_t width, double dropout)
    : hidden_size(hidden), max_width(width) {
  // create_projection_layer(hidden, dropout[, out]): Linear(in, 4*out), ReLU, Dropout, Linear(4*out, out)
  project_start = register_module("project_start", Mlp(std::vector<int64_t>{hidden, 4 * hidden, hidden}, true, dropout));
  project_end = register_module("project_end", Mlp(std::vector<int64_t>{hidden, 4 * hidden, hidden}, true, dropout));
  out_project =
      register_module("out_project", Mlp(std::vector<int64_t>{2 * hidden, 4 * hidden, hidden}, true, dropout));
}

namespace {

// x · W[:, col0 : col0 + n]ᵀ (+ bias), including the layer's LoRA adapter restricted to the same
// input columns. Summing this over a column partition of the input equals lin(x_full) exactly in
// real arithmetic (LoRA is linear in its input when its dropout is off).
torch::Tensor linear_columns(LinearImpl& lin, const torch::Tensor& x, int64_t col0, int64_t n, bool with_bias) {
  torch::Tensor y = gtrain::linear(x, lin.weight.narrow(1, col0, n), with_bias ? lin.bias : torch::Tensor());
  if (lin.has_lora())
    y = y + gtrain::linear(gtrain::linear(x, lin.lora.A.narrow(1, col0, n)), lin.lora.B) * lin.lora.scale;
  return y;
}

}  // namespace

torch::Tensor SpanMarkerV0Impl::forward(const torch::Tensor& h, const SpanIndex& idx) {
  if (h.dim() != 3) throw std::invalid_argument("SpanMarkerV0: expected h [B, L, D]");
  const int64_t B = h.size(0), L = h.size(1), D = h.size(2);
  if (idx.batch != B || idx.max_len != L || idx.max_width != max_width)
    throw std::invalid_argument("SpanMarkerV0: span index built for another batch shape or max_width");
  if (D != hidden_size) throw std::invalid_argument("SpanMarkerV0: hidden size mismatch");

  torch::Tensor rs = torch::relu(project_start->forward(h)).reshape({B * L, D});
  torch::Tensor re = torch::relu(project_end->forward(h)).reshape({B * L, D});

  LinearImpl& first = *out_project->layers[0];
  const bool fuse = fuse_start_end && !(first.has_lora() && first.lora.dropout > 0 && is_training());
  torch::Tensor hid;
  if (fuse) {
    torch::Tensor a = linear_columns(first, rs, 0, D, /*with_bias=*/false);
    torch::Tensor b = linear_columns(first, re, D, D, /*with_bias=*/true);
    hid = a.index_select(0, idx.start) + b.index_select(0, idx.end);
  } else {
    hid = first.forward(torch::cat({rs.index_select(0, idx.start), re.index_select(0, idx.end)}, 1));
  }
  hid = hid.relu_();  // a fresh tensor either way: in place saves one [N, 4D] buffer
  if (out_project->dropout > 0 && is_training()) hid = gtrain::dropout(hid, out_project->dropout, true);
  torch::Tensor rep = out_project->layers[1]->forward(hid);  // [N, D]
  return torch::zeros({B * L * max_width, D}, rep.options())
      .index_copy(0, idx.flat, rep)
      .view({B, L, max_width, D});
}

torch::Tensor SpanMarkerV0Impl::forward(const torch::Tensor& h, const std::vector<int64_t>& lengths) {
  return forward(h, SpanIndex::build(lengths, h.size(1), max_width, h.device()));
}

torch::Tensor SpanMarkerV0Impl::forward_reference(const torch::Tensor& h) {
  const int64_t L = h.size(0), D = h.size(1);
  auto iopt = torch::TensorOptions().dtype(torch::kInt64).device(h.device());
  torch::Tensor starts = torch::arange(L, iopt).unsqueeze(1).expand({L, max_width});
  torch::Tensor ends = starts + torch::arange(max_width, iopt).unsqueeze(0);
  torch::Tensor valid = ends < L;
  torch::Tensor zero = torch::zeros_like(starts);
  torch::Tensor s_idx = torch::where(valid, starts, zero).reshape({-1});
  torch::Tensor e_idx = torch::where(valid, ends, zero).reshape({-1});
  torch::Tensor start_rep = project_start->forward(h);
  torch::Tensor end_rep = project_end->forward(h);
  torch::Tensor cat = torch::cat({start_rep.index_select(0, s_idx), end_rep.index_select(0, e_idx)}, -1).relu();
  return out_project->forward(cat).view({L, max_width, D});
}

SpanRepLayerImpl::SpanRepLayerImpl(int64_t hidden, int64_t width, double dropout) {
  span_rep_layer = register_module("span_rep_layer", SpanMarkerV0(hidden, width, dropout));
}

}  // namespace gtrain
