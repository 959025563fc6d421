// gtrain plan's memory model against measurement: for the toy, xsmall and small bench shapes on
// the CPU, the planned peak of a training step is within 25% of the peak RSS increase `bench step`
// measures, and the planner's parameter count is the model's own. One shape per test: the peak RSS
// is a per-process figure, and ctest runs each test in its own process.
//
// glibc's malloc keeps freed blocks below its (growing) mmap threshold in its heap, so a process's
// RSS can hold twice its live tensors; ctest sets MALLOC_MMAP_THRESHOLD_ for these tests
// (tests/CMakeLists.txt) so that the RSS follows what is allocated, which is what the planner
// predicts (docs/planning.md#memory).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "plan/memory_model.h"
#include "plan/work.h"
#include "train/step_bench.h"

namespace gtrain {
namespace {

void check_shape(const std::string& shape) {
  StepBenchOptions o;
  o.shape = shape;
  o.batch_size = 8;
  o.warmup = 1;
  o.steps = 2;
  o.quiet = true;
  const StepBenchResult r = run_step_bench(o);
  const EncoderConfig enc = bench_encoder_config(shape, "deberta");
  const ParamCount params = count_parameters(enc, "count_lstm", LoraSettings{});
  EXPECT_EQ(params.total(), r.parameters) << shape << ": planned parameter count";
  BatchShape b = r.largest;
  b.max_width = 8;
  MemorySettings ms;
  ms.cuda = false;
  const MemoryEstimate m = estimate_memory(enc, params, b, ms);
  const double planned = m.total(), measured = r.peak_rss_increase;
  std::printf("%s: batch %lld x %lld tokens: planned %.1f MiB (activations %.1f, backward peak %.1f), measured peak RSS "
              "increase %.1f MiB (%.0f%%)\n",
              shape.c_str(), (long long)b.rows, (long long)b.seq_len, planned / 1048576.0, m.activations / 1048576.0,
              m.backward_peak / 1048576.0, measured / 1048576.0, 100.0 * (planned - measured) / measured);
  ASSERT_GT(measured, 0);
  EXPECT_LE(std::abs(planned - measured), 0.25 * measured) << shape;
}

TEST(PlanMemoryVsRss, ToyWithinAQuarterOfMeasuredRss) { check_shape("toy"); }
TEST(PlanMemoryVsRss, XsmallWithinAQuarterOfMeasuredRss) { check_shape("xsmall"); }
TEST(PlanMemoryVsRss, SmallWithinAQuarterOfMeasuredRss) { check_shape("small"); }

}  // namespace
}  // namespace gtrain
