#include "dist/grad_reducer.h"

#include <chrono>

namespace gtrain::dist {

GradReducer::GradReducer(const std::vector<torch::Tensor>& params, Communicator& comm, ReducerOptions opts)
    : comm_(comm), opts_(opts) {
  // MiB, as comm.bucket_mb is documented and the planner counts it (and as DDP's bucket_cap_mb).
  const double floats_per_mib = 1024.0 * 1024.0 / 4.0;
  const int64_t first_cap = std::max<int64_t>(1, static_cast<int64_t>(opts.first_bucket_mb * floats_per_mib));
  const int64_t cap = std::max<int64_t>(1, static_cast<int64_t>(opts.bucket_mb * floats_per_mib));
  std::vector<std::vector<size_t>> groups;
  std::vector<int64_t> sizes;
  slots_.resize(params.size());
  for (size_t k = params.size(); k-- > 0;) {  // reverse registration order
    const torch::Tensor& p = params[k];
    if (p.scalar_type() != torch::kFloat)
      throw std::invalid_argument("GradReducer: parameters must be float32 (master weights)");
    const int64_t n = p.numel();
    const int64_t limit = groups.size() == 1 ? first_cap : cap;  // the open bucket's capacity
    if (groups.empty() || (sizes.back() > 0 && sizes.back() + n > limit)) {
      groups.emplace_back();
      sizes.push_back(0);
    }
    Slot& s = slots_[k];
    s.param = p;
    s.bucket = groups.size() - 1;
    s.offset = sizes.back();
    s.numel = n;
    groups.back().push_back(k);
    sizes.back() += n;
  }
  for (size_t b = 0; b < groups.size(); ++b) {
    Bucket bk;
    bk.flat = torch::zeros({sizes[b]}, params[groups[b][0]].options().requires_grad(false));
    bk.slots = groups[b];
    buckets_.push_back(std::move(bk));
  }
  if (opts_.overlap) {
    for (size_t i = 0; i < slots_.size(); ++i)
      slots_[i].hook = slots_[i].param.register_hook([this, i](const torch::Tensor& g) { on_grad(i, g); });
  }
}

GradReducer::~GradReducer() {
  if (opts_.overlap)
    for (Slot& s : slots_) s.param.remove_hook(s.hook);
  // A failed step (an exception between prepare() and finish()) may leave all-reduces in flight:
  // let them finish before the buckets go (the other ranks wait for them too).
  for (Bucket& b : buckets_) {
    if (!b.work) continue;
    try {
      b.work->wait();
    } catch (...) {
    }
  }
}

std::vector<int64_t> GradReducer::bucket_sizes() const {
  std::vector<int64_t> out;
  for (const Bucket& b : buckets_) out.push_back(b.flat.numel());
  return out;
}

void GradReducer::prepare() {
  std::lock_guard<std::mutex> l(m_);
  for (Slot& s : slots_) s.ready = s.used = false;
  for (Bucket& b : buckets_) {
    b.pending = b.slots.size();
    b.launched = false;
    b.work.reset();
  }
  next_launch_ = 0;
  armed_ = opts_.overlap;
}

// Slot i = (gradient accumulated so far) + incoming, or zero when there is neither.
void GradReducer::fill(size_t i, const torch::Tensor* incoming) {
  Slot& s = slots_[i];
  torch::NoGradGuard ng;
  torch::Tensor dst = buckets_[s.bucket].flat.narrow(0, s.offset, s.numel);
  const torch::Tensor& acc = s.param.grad();
  if (acc.defined() && incoming) {
    torch::add_out(dst, acc.reshape({-1}), incoming->reshape({-1}));
  } else if (acc.defined()) {
    dst.copy_(acc.reshape({-1}));
  } else if (incoming) {
    dst.copy_(incoming->reshape({-1}));
  } else {
    dst.zero_();
  }
  s.used = acc.defined() || incoming;
  s.ready = true;
  --buckets_[s.bucket].pending;
}

void GradReducer::on_grad(size_t i, const torch::Tensor& g) {
  std::lock_guard<std::mutex> l(m_);
  if (!armed_) return;
  if (slots_[i].ready)  // its bucket may already be on the wire: the second gradient would be lost
    throw std::logic_error("GradReducer: a parameter got two gradients in one backward (a weight used in two "
                           "places of the graph); set comm.overlap: false");
  // Undefined: the backward added this micro-batch's gradient into param.grad itself
  // (model/accumulate_grad.h), which fill() reads.
  fill(i, g.defined() ? &g : nullptr);
  launch_in_order();
}

void GradReducer::launch_in_order() {
  while (next_launch_ < buckets_.size() && buckets_[next_launch_].pending == 0) {
    Bucket& b = buckets_[next_launch_++];
    torch::Tensor send = b.flat;
    if (opts_.wire_dtype != torch::kFloat) {
      b.wire = b.flat.to(opts_.wire_dtype);
      send = b.wire;
    }
    b.work = comm_.all_reduce(send, ReduceOp::Sum);
    b.launched = true;
    stats_.bytes += static_cast<int64_t>(send.nbytes());
  }
}

void GradReducer::finish() {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<int64_t> used(slots_.size(), 0);
  {
    std::lock_guard<std::mutex> l(m_);
    armed_ = false;
    if (!opts_.overlap) {  // reference mode: prepare() armed nothing
      for (Slot& s : slots_) s.ready = s.used = false;
      for (Bucket& b : buckets_) b.pending = b.slots.size();
      next_launch_ = 0;
    }
    // The last micro-step's backward is done: gradients not seen by a hook are final as they are.
    for (size_t i = 0; i < slots_.size(); ++i)
      if (!slots_[i].ready) fill(i, nullptr);
    launch_in_order();
    for (size_t i = 0; i < slots_.size(); ++i) used[i] = slots_[i].used ? 1 : 0;
  }
  // Which parameters had a gradient on any rank (after the buckets, so every rank issues the
  // collectives in the same order).
  comm_.group().allreduce(used, ReduceOp::Max, "gradient-usage all-reduce");
  torch::NoGradGuard ng;
  for (Bucket& b : buckets_) {
    b.work->wait();
    stats_.comm_s += b.work->seconds();
    b.work.reset();
    if (b.wire.defined()) b.flat.copy_(b.wire);
    if (opts_.grad_scale != 1.0) b.flat.mul_(opts_.grad_scale);
  }
  for (size_t i = 0; i < slots_.size(); ++i) {
    Slot& s = slots_[i];
    if (!used[i]) {
      s.param.mutable_grad() = torch::Tensor();
      continue;
    }
    s.param.mutable_grad() = buckets_[s.bucket].flat.narrow(0, s.offset, s.numel).view(s.param.sizes());
  }
  ++stats_.reductions;
  stats_.exposed_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace gtrain::dist
