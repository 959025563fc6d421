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

#include "model/gliner2_model.h"
#include "model/lora.h"
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

namespace gtrain {
namespace {

// The planner's parameter and LoRA counts are the model's own: the same target rule
// (model/lora_targets.h) over the model's Linear names, for each encoder family (ELECTRA's
// embeddings_project, BERT's pooler, DeBERTa's pos projections and embed_proj), both counting
// layers, and group, sub-module and "encoder.X" targets; targets that select nothing are refused.
TEST(PlanLora, AdapterCountIsTheModelsOwn) {
  const std::vector<std::vector<std::string>> target_sets = {
      {"encoder"}, {"encoder.query"}, {"encoder.proj"}, {"span_rep"},
      {"span_rep.span_rep_layer.project_start"}, {"classifier", "count_pred", "count_embed"},
      {"count_embed.transformer"}, {"nothing"},
      LoraSettings{}.targets};
  DebertaV2Config v2 = bench_encoder_config("toy", "deberta").deberta;
  v2.share_att_key = false;  // pos_key_proj / pos_query_proj
  v2.embedding_size = v2.hidden_size / 2;  // embed_proj
  std::vector<std::pair<std::string, EncoderConfig>> encoders = {
      {"deberta-v3", bench_encoder_config("toy", "deberta")}, {"deberta-v2 variant", EncoderConfig(v2)},
      {"bert", bench_encoder_config("toy", "bert")}, {"electra", bench_encoder_config("toy", "electra")}};
  for (const std::string counting : {"count_lstm", "count_lstm_v2"}) {
    for (const auto& [family, enc] : encoders) {
      ExtractorConfig ec;
      ec.counting_layer = counting;
      int64_t total = 0;
      for (const auto& p : Extractor(ec, enc)->parameters()) total += p.numel();
      EXPECT_EQ(count_parameters(enc, counting, LoraSettings{}).total(), total) << family << ", " << counting;
      for (const auto& targets : target_sets) {
        LoraSettings ls;
        ls.enabled = true;
        ls.r = 4;
        ls.targets = targets;
        Extractor model(ec, enc);
        LoraConfig lc;
        lc.r = 4;
        lc.target_modules = targets;
        const std::string what = family + ", " + counting + ", targets " + targets.front() + " (" +
                                 std::to_string(targets.size()) + ")";
        bool selected = true;
        try {
          apply_lora(*model, lc);
        } catch (const std::runtime_error&) {
          selected = false;  // nothing selected: training refuses it, and so does the plan
        }
        if (!selected) {
          EXPECT_THROW(count_parameters(enc, counting, ls), std::invalid_argument) << what;
          continue;
        }
        int64_t adapters = 0;
        for (const auto& p : lora_parameters(*model)) adapters += p.numel();
        EXPECT_EQ(count_parameters(enc, counting, ls).lora, adapters) << what;
      }
    }
  }
}

}  // namespace
}  // namespace gtrain
