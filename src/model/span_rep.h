// GLiNER2's span representation: SpanRepLayer("markerV0") -> SpanMarkerV0 (gliner 0.2.24
// modeling/span_rep.py, spec §2.3). Parameter names, under the Extractor's "span_rep." prefix:
//   span_rep_layer.{project_start,project_end}.{0,3}.{weight,bias}   Linear(D,4D), Linear(4D,D)
//   span_rep_layer.out_project.{0,3}.{weight,bias}                   Linear(2D,4D), Linear(4D,D)
//
// rep(i, j) = out_project(relu(cat(project_start(h)[i], project_end(h)[i + j]))) for word i and
// width j (inclusive end i + j), j < max_width. The reference computes every (i, j) of the padded
// grid and masks the spans with i + j >= L afterwards; gtrain computes only the valid spans of the
// whole batch in one packed pass (no per-span or per-example loops) and leaves zeros at invalid
// positions. With fuse_start_end (default) the first out_project layer is split by input columns:
// W0 · cat(s, e) = W0[:, :D] · s + W0[:, D:] · e, so that half is computed once per word instead of
// once per span (max_width times fewer FLOPs there); the result differs from the concatenated
// product only by fp32 rounding.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "model/mlp.h"

namespace gtrain {

// Every valid (example b, start i, width j) span of a padded batch [B, L] with per-example word
// counts lengths[b] <= L: i + j < lengths[b], j < W. Built once per batch on the CPU, then moved.
struct SpanIndex {
  torch::Tensor start;  // [N] int64: b * L + i (row of the start word in the [B*L] word matrix)
  torch::Tensor end;    // [N] int64: b * L + i + j
  torch::Tensor flat;   // [N] int64: (b * L + i) * W + j (row in the [B*L*W] span matrix)
  torch::Tensor valid;  // [B, L, W] bool
  int64_t batch = 0, max_len = 0, max_width = 0;
  int64_t count() const { return start.defined() ? start.size(0) : 0; }

  static SpanIndex build(const std::vector<int64_t>& lengths, int64_t max_len, int64_t max_width,
                         torch::Device device = torch::kCPU);
};

struct SpanMarkerV0Impl : torch::nn::Module {
  SpanMarkerV0Impl(int64_t hidden_size, int64_t max_width, double dropout = 0.1);

  // h [B, L, D] (padded word embeddings) -> [B, L, W, D], zeros at invalid spans.
  torch::Tensor forward(const torch::Tensor& h, const SpanIndex& idx);
  torch::Tensor forward(const torch::Tensor& h, const std::vector<int64_t>& lengths);

  // The reference computation for one example, op for op as the Python (h [L, D] -> [L, W, D];
  // invalid spans computed from span (0, 0)). For tests and debugging.
  torch::Tensor forward_reference(const torch::Tensor& h);

  int64_t hidden_size, max_width;
  bool fuse_start_end = true;
  Mlp project_start{nullptr}, project_end{nullptr}, out_project{nullptr};
};
TORCH_MODULE(SpanMarkerV0);

// The "span_rep" wrapper module of the Extractor (holds span_rep_layer).
struct SpanRepLayerImpl : torch::nn::Module {
  SpanRepLayerImpl(int64_t hidden_size, int64_t max_width, double dropout = 0.1);
  torch::Tensor forward(const torch::Tensor& h, const SpanIndex& idx) { return span_rep_layer->forward(h, idx); }
  SpanMarkerV0 span_rep_layer{nullptr};
};
TORCH_MODULE(SpanRepLayer);

}  // namespace gtrain
