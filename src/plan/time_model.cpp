#include "plan/time_model.h"

#include <algorithm>

#include "model/flops.h"

namespace gtrain {

namespace {

StepFlops row_flops(const EncoderConfig& enc, const RowWork& r, int64_t labels) {
  BatchShape s;
  s.rows = 1;
  s.seq_len = r.tokens;
  s.words = r.words;
  s.spans = r.spans;
  s.labels = labels;
  return step_flops(enc, s);
}

}  // namespace

EpochFlops epoch_flops(const EncoderConfig& enc, const EpochWork& work) {
  EpochFlops f;
  for (const RowWork& r : work.rows) f.train += row_flops(enc, r, work.labels).train_step();
  for (const RowWork& r : work.dev) f.dev_forward += row_flops(enc, r, work.labels).forward();
  return f;
}

double allreduce_seconds(const AllReduce& a) {
  if (a.ranks <= 1 || a.bus_gbs <= 0) return 0;
  const double n = a.ranks;
  return a.gradient_bytes * 2.0 * (n - 1) / n / (a.bus_gbs * 1e9);
}

double optimizer_step_seconds(int64_t trainable_params, double bandwidth_gbs, bool loss_scaled) {
  if (bandwidth_gbs <= 0) return 0;
  const double bytes = loss_scaled ? 52.0 : 40.0;
  return bytes * static_cast<double>(trainable_params) / (bandwidth_gbs * 1e9);
}

EpochTime epoch_time(const EpochFlops& f, const DeviceSpeed& d, const RunShape& shape, const AllReduce& a,
                     double optimizer_s) {
  EpochTime t;
  t.steps = shape.steps_per_epoch;
  const double rate = d.achieved();
  if (rate <= 0) return t;
  t.compute = f.train / shape.ranks / rate;
  t.eval = f.dev_forward / shape.ranks / rate;
  const double per_step_ar = allreduce_seconds(a);
  const double backward = t.steps > 0 ? t.compute / static_cast<double>(t.steps) * 2.0 / 3.0 : 0;
  const double exposed = a.overlap ? std::max(0.0, per_step_ar - backward) : per_step_ar;
  t.allreduce = exposed * static_cast<double>(t.steps);
  t.optimizer = optimizer_s * static_cast<double>(t.steps);
  return t;
}

}  // namespace gtrain
