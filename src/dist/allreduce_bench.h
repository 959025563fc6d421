// `gtrain bench allreduce`: all-reduce timing in the style of nccl-tests' all_reduce_perf, for the
// backend a training run would use. For each message size: the mean time of `iters` in-place sum
// all-reduces (after `warmup` untimed ones), the slowest rank's mean, and
//   algbw = bytes / time,   busbw = algbw * 2 (n - 1) / n
// (busbw is what a ring moves per link: comparable across rank counts and to the hardware's
// link bandwidth).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "dist/comm_options.h"
#include "dist/group.h"

namespace gtrain::dist {

struct AllreduceBenchOptions {
  int64_t min_bytes = 8, max_bytes = 64 << 20;
  int factor = 2;
  int iters = 20, warmup = 5;
  std::string dtype = "float";  // float | half | bfloat16 | double
  CommBackend backend = CommBackend::Auto;
};

struct AllreduceBenchRow {
  int64_t bytes = 0, count = 0;
  double time_us = 0, algbw_gbs = 0, busbw_gbs = 0;
};

// Runs on every rank of `group` (at least 2); rank 0 prints the table. Returns the rows.
std::vector<AllreduceBenchRow> run_allreduce_bench(Group& group, const AllreduceBenchOptions& opts);

}  // namespace gtrain::dist
