// Time of a training run: model FLOPs of every row of an epoch (model/flops.h, the formula behind
// `bench step`'s MFU) divided by the device's achieved FLOP/s (its peak x an efficiency, measured
// or tabled), the optimizer step from the memory bandwidth (or measured), the dev evaluation's
// forward passes, and the data-parallel all-reduce of the gradients from the bus bandwidth.
// Torch-free.
#pragma once
#include <cstdint>

#include "model/encoder_config.h"
#include "plan/work.h"

namespace gtrain {

// Model FLOPs of one epoch: each row as a batch of one at its own length (length-bucketed batches
// pad little), 3 x forward for training; `dev_forward` the dev split's forward passes.
struct EpochFlops {
  double train = 0;
  double dev_forward = 0;
};
EpochFlops epoch_flops(const EncoderConfig& enc, const EpochWork& work);

struct DeviceSpeed {
  double peak_flops = 0;   // FLOP/s
  double efficiency = 0;   // share of the peak a step reaches
  double achieved() const { return peak_flops * efficiency; }
};

struct AllReduce {
  int ranks = 1;
  double bus_gbs = 0;         // ring all-reduce bus bandwidth, GB/s
  double gradient_bytes = 0;  // per optimizer step
  bool overlap = true;        // comm.overlap: buckets reduced during the backward pass
};

// Ring all-reduce: bytes x 2 (n - 1) / n / bus bandwidth (nccl-tests' bus-bandwidth definition).
double allreduce_seconds(const AllReduce& a);

// The optimizer step, memory-bound: per trainable fp32 parameter, gradient clipping reads the
// gradient twice (norm, scale) and writes it once, and the fused AdamW reads the parameter, its
// gradient and both moments and writes the parameter and moments: 40 bytes; fp16's loss scaling
// first unscales the gradient (read, write) and checks it for inf/NaN (read): 12 more. At the
// device's memory bandwidth (GB/s; a lower bound, kernels reach less than the peak). 0 when unknown.
double optimizer_step_seconds(int64_t trainable_params, double bandwidth_gbs, bool loss_scaled);

struct EpochTime {
  double compute = 0;    // training steps' FLOPs on this rank
  double optimizer = 0;  // optimizer steps (clipping + AdamW)
  double allreduce = 0;  // exposed (not hidden behind the backward pass)
  double eval = 0;       // dev forward passes (split over the ranks)
  int64_t steps = 0;
  double total() const { return compute + optimizer + allreduce + eval; }
  double per_step() const { return steps > 0 ? (compute + optimizer + allreduce) / static_cast<double>(steps) : 0; }
};

// The ranks share an epoch's rows equally; each optimizer step ends with one all-reduce, of which
// the part longer than the backward pass (2/3 of a step's compute) shows when overlapped, and one
// optimizer step of optimizer_s seconds on every rank.
EpochTime epoch_time(const EpochFlops& f, const DeviceSpeed& d, const RunShape& shape, const AllReduce& a,
                     double optimizer_s);

}  // namespace gtrain
