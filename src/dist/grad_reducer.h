// Data-parallel gradient reduction: persistent flat buckets, all-reduced while backward runs.
//
//   buckets   the trained parameters in reverse registration order (roughly the order backward
//             produces their gradients: heads first, embeddings last), packed into flat fp32
//             buffers of about bucket_mb (the first one first_bucket_mb, so communication starts
//             early). Built once; reused every step.
//   overlap   prepare() arms gradient hooks for the next backward. Each hook adds the parameter's
//             already-accumulated gradient (earlier micro-steps) and the new one into its bucket
//             slot; when a bucket is complete its all-reduce starts at once. Buckets start strictly
//             in index order, so every rank issues the same collectives in the same order even
//             when gradients arrive in a different order.
//   finish()  after backward (or instead of it, on a rank with an empty micro-batch): fills what
//             no hook filled (parameters without a gradient this step count as zero), starts the
//             remaining buckets, waits, scales and points each param.grad() at its reduced slot.
//             Parameters that got no gradient on any rank (unused heads) keep an undefined grad,
//             exactly as in a single-process run (AdamW then skips them).
//   no overlap  the reference: the same buckets, filled and reduced only in finish().
// Only the micro-step that ends an accumulation group calls prepare()/finish(); the others
// accumulate locally with no communication.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dist/communicator.h"

namespace gtrain::dist {

struct ReducerOptions {
  double bucket_mb = 25;
  double first_bucket_mb = 1;
  bool overlap = true;
  // Wire dtype: kFloat (no compression), kHalf or kBFloat16 (buckets are cast for the all-reduce).
  torch::ScalarType wire_dtype = torch::kFloat;
  // Multiplies the summed gradients: 1 / world = average; 1 = sum (gtrain's loss is a batch sum,
  // so the sum over ranks is exactly the gradient of the global batch).
  double grad_scale = 1.0;
};

struct ReducerStats {
  int64_t reductions = 0;    // finish() calls
  double comm_s = 0;         // all-reduce time as the backend measured it (overlapped or not)
  double exposed_s = 0;      // wall time of finish(): communication compute did not hide
  int64_t bytes = 0;         // bytes all-reduced (wire dtype)
};

class GradReducer {
 public:
  GradReducer(const std::vector<torch::Tensor>& params, Communicator& comm, ReducerOptions opts);
  ~GradReducer();
  GradReducer(const GradReducer&) = delete;
  GradReducer& operator=(const GradReducer&) = delete;

  void prepare();  // before the backward whose gradients are reduced
  void finish();   // after it

  const ReducerStats& stats() const { return stats_; }
  void reset_stats() { stats_ = ReducerStats{}; }
  size_t num_buckets() const { return buckets_.size(); }
  // Elements per bucket, in launch order.
  std::vector<int64_t> bucket_sizes() const;

 private:
  struct Slot {
    torch::Tensor param;
    size_t bucket = 0;
    int64_t offset = 0, numel = 0;
    bool ready = false;  // filled this step
    bool used = false;   // had a gradient this step
    unsigned hook = 0;
  };
  struct Bucket {
    torch::Tensor flat, wire;
    std::vector<size_t> slots;
    size_t pending = 0;
    bool launched = false;
    std::shared_ptr<Work> work;
  };
  void on_grad(size_t i, const torch::Tensor& g);
  void fill(size_t i, const torch::Tensor* incoming);
  void launch_in_order();

  Communicator& comm_;
  ReducerOptions opts_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  size_t next_launch_ = 0;
  bool armed_ = false;
  std::mutex m_;
  ReducerStats stats_;
};

}  // namespace gtrain::dist
