// gtrain plan's torch-free parts: the GPU catalog (the shipped one, and bad files naming file, line
// and field), parameter counts, memory and time arithmetic on shapes small enough to check by
// hand, steps per epoch, ASHA's expected budget and the cost of runs and sweeps.
#include <gtest/gtest.h>

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "data/gliner2_prompt.h"
#include "data/hdf5_store.h"
#include "io/input_error.h"
#include "model/flops.h"
#include "plan/cost.h"
#include "plan/gpu_catalog.h"
#include "plan/memory_model.h"
#include "plan/time_model.h"
#include "plan/work.h"
#include "text/tokenizer.h"

namespace gtrain {
namespace {

const char* kCatalog = R"(gpus:
  t4: {name: NVIDIA T4, memory_gib: 16, fp32_tflops: 8.1, tf32_tflops: 0, fp16_tflops: 65, bf16_tflops: 0,
       memory_bandwidth_gbs: 320, interconnect: pcie3, efficiency_fp32: 0.5, efficiency_half: 0.25}
interconnects:
  pcie3: {bus_gbs: 10}
  ethernet: {bus_gbs: 2.5}
inter_node: ethernet
prices:
  - {provider: a, instance: x8, gpu: t4, gpus: 8, usd_per_hour: 8.0, date: 2026-12-06}
  - {provider: b, instance: x1, gpu: t4, gpus: 1, usd_per_hour: 0.9, date: 2026-12-06}
)";

std::string catalog_error(std::string text, const std::string& from, const std::string& to) {
  text.replace(text.find(from), from.size(), to);
  try {
    parse_gpu_catalog(YAML::Load(text), "cat.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(PlanCatalog, ShippedCatalogParses) {
  const GpuCatalog c = load_gpu_catalog(std::string(GTRAIN_SOURCE_DIR) + "/configs/plan/gpus.yaml");
  for (const char* k : {"t4", "a10g", "a100-40gb", "a100-80gb", "h100"}) ASSERT_NE(c.find_gpu(k), nullptr) << k;
  EXPECT_EQ(c.find_gpu("t4")->memory_gib, 16);
  EXPECT_EQ(c.find_gpu("t4")->peak_flops(Precision::BF16), 0);  // no bf16 on a T4
  EXPECT_DOUBLE_EQ(c.find_gpu("a100-40gb")->peak_flops(Precision::FP16), 312e12);
  // The 8-GPU p4d instance costs more per GPU-hour than Lambda's single A100.
  ASSERT_NE(c.cheapest_price("a100-40gb"), nullptr);
  EXPECT_EQ(c.cheapest_price("a100-40gb")->provider, "lambda");
  EXPECT_NEAR(c.cheapest_price("t4")->per_gpu_hour(), 0.526, 1e-9);
  // Eight GPUs to a node: only instances that hold eight (it was Lambda's 1-GPU price either way).
  ASSERT_NE(c.cheapest_price("a100-40gb", 8), nullptr);
  EXPECT_EQ(c.cheapest_price("a100-40gb", 8)->instance, "p4d.24xlarge");
  EXPECT_EQ(c.cheapest_price("t4", 8), nullptr);
}

TEST(PlanCatalog, CheapestPricePerGpuHour) {
  const GpuCatalog c = parse_gpu_catalog(YAML::Load(kCatalog), "cat.yaml");
  EXPECT_EQ(c.cheapest_price("t4")->provider, "b");  // 0.9 < 8.0 / 8 = 1.0
  EXPECT_EQ(c.find_gpu("t4")->efficiency(Precision::FP16), 0.25);
  EXPECT_EQ(c.find_gpu("nosuch"), nullptr);
}

TEST(PlanCatalog, BadInputNamesFileLineAndField) {
  std::string e = catalog_error(kCatalog, "memory_gib: 16", "memory_gib: -16");
  EXPECT_NE(e.find("cat.yaml:2"), std::string::npos) << e;
  EXPECT_NE(e.find("gpus.t4.memory_gib"), std::string::npos) << e;
  e = catalog_error(kCatalog, "memory_gib: 16", "memory_gb: 16");
  EXPECT_NE(e.find("memory_gib"), std::string::npos) << e;  // unknown key, the closest named
  e = catalog_error(kCatalog, "interconnect: pcie3", "interconnect: pcie9");
  EXPECT_NE(e.find("gpus.t4.interconnect"), std::string::npos) << e;
  e = catalog_error(kCatalog, "gpu: t4, gpus: 1", "gpu: t5, gpus: 1");
  EXPECT_NE(e.find("cat.yaml:10"), std::string::npos) << e;
  EXPECT_NE(e.find("prices[1].gpu"), std::string::npos) << e;
  e = catalog_error(kCatalog, "efficiency_half: 0.25", "efficiency_half: 1.5");
  EXPECT_NE(e.find("gpus.t4.efficiency_half"), std::string::npos) << e;
  e = catalog_error(kCatalog, "inter_node: ethernet", "inter_node: carrier-pigeon");
  EXPECT_NE(e.find("inter_node"), std::string::npos) << e;
  e = catalog_error(kCatalog, "usd_per_hour: 0.9", "usd_per_hour: zero");
  EXPECT_NE(e.find("prices[1].usd_per_hour"), std::string::npos) << e;
}

// BERT, hidden 8, 1 layer, 2 heads, FFN 16, vocabulary 10 (512 positions, 2 token types, pooler).
EncoderConfig tiny_bert() { return BertConfig::sized("bert", 8, 1, 2, 16, 10, 0); }

TEST(PlanWork, ParametersCountedByHand) {
  const ParamCount p = count_parameters(tiny_bert(), "count_lstm", LoraSettings{});
  // embeddings (10 + 512 + 2) x 8 + LayerNorm 16; layer: Q K V O 4 x 72, LN 16, FFN 144 + 136, LN 16; pooler 72
  EXPECT_EQ(p.encoder, 4208 + 600 + 72);
  // span_rep 2 x (288 + 264) + (544 + 264); classifier 144 + 17; count_pred 144 + 340;
  // count_embed: positions 160, GRU 2 x (192 + 24), projector 808
  EXPECT_EQ(p.heads, 1104 + 808 + 161 + 484 + 160 + 432 + 808);
  EXPECT_EQ(p.trainable, p.total());
  EXPECT_EQ(p.frozen(), 0);
  LoraSettings lora;
  lora.enabled = true;
  lora.r = 2;
  lora.targets = {"encoder"};
  const ParamCount l = count_parameters(tiny_bert(), "count_lstm", lora);
  // r x (in + out) per encoder Linear: Q K V O 4 x 2 x 16, FFN 2 x 24 twice, the pooler's dense
  // 2 x 16 (its local name holds "dense"; the model adapts it though it never runs)
  EXPECT_EQ(l.lora, 4 * 32 + 2 * 48 + 32);
  EXPECT_EQ(l.trainable, l.lora);
  EXPECT_EQ(l.frozen(), p.total());
}

TEST(PlanWork, StepsAndSpans) {
  const RunShape s = run_shape(1000, 8, 2, 2);  // 500 rows per rank, 63 micro-batches, 32 steps
  EXPECT_EQ(s.micro_batches_per_epoch, 63);
  EXPECT_EQ(s.steps_per_epoch, 32);
  EXPECT_EQ(run_shape(16, 16, 1, 1).steps_per_epoch, 1);
  EXPECT_EQ(candidate_spans(5, 3), 3 + 3 + 3 + 2 + 1);
  EXPECT_EQ(candidate_spans(2, 8), 2 + 1);
}

// A prepared file of one-sentence rows with these labels (and descriptions); each row is
// annotated for the label ids in its entry of row_schemas ({} = for every label).
std::string write_prepared(const std::filesystem::path& path, const std::vector<std::string>& labels,
                           const std::vector<std::string>& descriptions,
                           const std::vector<std::vector<int32_t>>& row_schemas) {
  PreparedMeta m;
  m.format_version = kPreparedFormatVersion;
  m.labels = labels;
  m.label_descriptions = descriptions;
  PreparedWriter w(path.string(), m);
  for (const auto& schema : row_schemas) {
    PreparedExample ex;
    ex.text = "당뇨병 환자";
    ex.token_ids = {5, 6, 7};
    ex.unit_token = {0, 2};
    ex.unit_char_start = {0, 4};
    ex.unit_char_end = {3, 6};
    ex.schema_labels = schema;
    w.add(ex);
  }
  w.commit();
  return path.string();
}

std::unique_ptr<Tokenizer> plan_tokenizer(TrainConfig* cfg) {
  cfg->model.tokenizer = std::string(GTRAIN_SOURCE_DIR) + "/tests/data/wordpiece";
  std::unique_ptr<Tokenizer> tok = open_tokenizer(cfg->model.tokenizer);
  tok->add_special_tokens(gliner2_special_tokens());
  return tok;
}

// The planner's prompt is the trainer's: data.labels selects and orders the prepared labels, and a
// label it gives no description keeps the prepared file's (PreparedReader::select_labels).
TEST(PlanWork, PromptIsTheTrainersWithThePreparedDescriptions) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("gtrain-plan-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  TrainConfig cfg;
  // what the planner reads: the labels and their descriptions
  cfg.data.train = write_prepared(dir / "train.h5", {"Disease", "Drug", "Gene"}, {"질병 이름", "", "유전자 이름"}, {{}});
  cfg.data.labels = {{"Gene", ""}, {"Disease", "병"}};
  std::unique_ptr<Tokenizer> tok = plan_tokenizer(&cfg);
  const EpochWork w = read_epoch_work(cfg, *tok, 8);

  const SchemaPrefix want = build_schema_prefix({entity_schema(std::vector<SchemaField>{{"Gene", "유전자 이름"}, {"Disease", "병"}})}, *tok);
  const SchemaPrefix without = build_schema_prefix({entity_schema(std::vector<SchemaField>{{"Gene", ""}, {"Disease", "병"}})}, *tok);
  ASSERT_NE(want.size(), without.size());  // the prepared description changes the count
  EXPECT_EQ(w.prompt_tokens, want.size());
  EXPECT_EQ(w.labels, 2);
  ASSERT_EQ(w.rows.size(), 1u);
  EXPECT_EQ(w.rows[0].tokens, want.size() + 3 + static_cast<int64_t>(want.period_ids.size()));  // "환자" needs a period
  fs::remove_all(dir);
}

// A dev file prepared apart from train, with other labels, is read as training reads it: with
// train's labels, its rows annotated only for labels train lacks left out (before, the planner
// counted every dev row); a dev file lacking one of train's labels is refused, naming the file.
TEST(PlanWork, DevRowsAreTheOnesTrainingEvaluates) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("gtrain-plan-dev-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  TrainConfig cfg;
  cfg.data.train = write_prepared(dir / "train.h5", {"Disease", "Drug"}, {"", ""}, {{0, 1}});
  // Gene listed first; one row annotated for Gene only, two for Disease/Drug.
  cfg.data.dev = write_prepared(dir / "dev.h5", {"Gene", "Drug", "Disease"}, {"", "", ""}, {{0}, {1, 2}, {2}});
  std::unique_ptr<Tokenizer> tok = plan_tokenizer(&cfg);
  const EpochWork w = read_epoch_work(cfg, *tok, 8);
  EXPECT_EQ(w.labels, 2);
  EXPECT_EQ(w.dev.size(), 2u);

  cfg.data.dev = write_prepared(dir / "dev-no-drug.h5", {"Disease"}, {""}, {{0}});
  try {
    read_epoch_work(cfg, *tok, 8);
    ADD_FAILURE() << "a dev file without train's label Drug was read";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), cfg.data.dev);
    EXPECT_NE(std::string(e.what()).find("'Drug'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("train split's labels"), std::string::npos) << e.what();
  }
  fs::remove_all(dir);
}

// optim.token_budget cuts micro-batches as the trainer does: 16 rows of 100 tokens, batch 8, a
// budget of 400 tokens: 4 rows per micro-batch, 4 micro-batches (the planner counted 2).
TEST(PlanWork, TokenBudgetCutsMicroBatchesAsTheTrainerDoes) {
  std::vector<RowWork> rows(16);
  for (RowWork& r : rows) r.tokens = 150, r.length_tokens = 100;
  EXPECT_EQ(run_shape(rows, 8, 1, 1, 0, 42).steps_per_epoch, 2);
  const RunShape s = run_shape(rows, 8, 1, 1, 400, 42);
  EXPECT_EQ(s.micro_batches_per_epoch, 4);
  EXPECT_EQ(s.steps_per_epoch, 4);
  EXPECT_EQ(s.token_budget, 400);
  EXPECT_EQ(run_shape(rows, 8, 2, 1, 400, 42).steps_per_epoch, 2);  // accumulation 2
  EXPECT_EQ(run_shape(rows, 4, 1, 2, 400, 42).steps_per_epoch, 2);  // 2 ranks: global 8 rows, 800 tokens
}

TEST(PlanMemory, TermsByHand) {
  const EncoderConfig enc = tiny_bert();
  const ParamCount p = count_parameters(enc, "count_lstm", LoraSettings{});
  BatchShape b;
  b.rows = 1, b.seq_len = 10, b.words = 5, b.spans = 12, b.labels = 2, b.max_width = 3;
  MemorySettings ms;
  ms.cuda = false;
  const ActivationBytes a = activation_bytes(enc, b, ms);
  // per token: 4 (4H + 2I) + 18H + heads x T x 9 = 256 + 144 + 180; 10 tokens, 1 layer
  EXPECT_DOUBLE_EQ(a.encoder_layers, 5800);
  EXPECT_DOUBLE_EQ(a.embeddings, 13 * 8 * 10);
  const MemoryEstimate m = estimate_memory(enc, p, b, ms);
  const double P = static_cast<double>(p.total());
  EXPECT_DOUBLE_EQ(m.weights, 4 * P);
  EXPECT_DOUBLE_EQ(m.gradients, 4 * P);
  EXPECT_DOUBLE_EQ(m.optimizer, 8 * P);
  EXPECT_EQ(m.workspace, 0);  // a CPU process
  EXPECT_EQ(m.half_copies, 0);
  EXPECT_DOUBLE_EQ(m.total(), m.weights + m.optimizer + m.backward_peak);
  EXPECT_GE(m.backward_peak, m.gradients);
  // Checkpointing keeps one input per layer; fp16 adds half copies of the non-embedding weights.
  MemorySettings ck = ms;
  ck.gradient_checkpointing = true;
  EXPECT_DOUBLE_EQ(activation_bytes(enc, b, ck).encoder_layers, 4 * 8 * 10);
  MemorySettings half = ms;
  half.precision = Precision::FP16;
  EXPECT_DOUBLE_EQ(estimate_memory(enc, p, b, half).half_copies, 2 * (P - 10 * 8));
  MemorySettings gpu = ms;
  gpu.cuda = true;
  gpu.ranks = 2;
  const MemoryEstimate g = estimate_memory(enc, p, b, gpu);
  EXPECT_DOUBLE_EQ(g.buckets, 2 * 25 * 1048576.0);
  EXPECT_GT(g.workspace, 0.5 * 1073741824.0);

  // A table of 32 MiB and more: one CPU process keeps its gradient buffer through the forward
  // (model/embedding.h), so the early backward holds it besides the activations; not on a GPU,
  // not with a reducer's buckets, not when LoRA freezes the table.
  const EncoderConfig big = BertConfig::sized("bert", 8, 1, 2, 16, 2000000, 0);  // 2e6 x 8 x 4 B = 61 MiB
  const ParamCount bp = count_parameters(big, "count_lstm", LoraSettings{});
  BatchShape tiny = b;
  tiny.rows = 64, tiny.spans = 64 * b.spans;  // activations above the non-table gradients
  const MemoryEstimate cpu1 = estimate_memory(big, bp, tiny, ms);
  const double table = 4.0 * 2000000 * 8;
  const ActivationBytes ba = activation_bytes(big, tiny, ms);
  const double head_grads = 4.0 * static_cast<double>(bp.heads);
  EXPECT_DOUBLE_EQ(cpu1.backward_peak, std::max(ba.total() + head_grads + table + ba.one_layer, cpu1.gradients + ba.one_layer));
  MemorySettings two = ms;
  two.ranks = 2;
  const MemoryEstimate cpu2 = estimate_memory(big, bp, tiny, two);
  EXPECT_DOUBLE_EQ(cpu2.backward_peak, std::max(ba.total() + head_grads + ba.one_layer, cpu1.gradients + ba.one_layer));
  EXPECT_DOUBLE_EQ(cpu1.backward_peak - cpu2.backward_peak,
                   ba.total() + head_grads + table - cpu1.gradients);  // the kept table is what differs
  ASSERT_GT(cpu1.backward_peak, cpu2.backward_peak);
}

TEST(PlanMemory, LargestFittingBatchIsTheLastThatFits) {
  const EncoderConfig enc = tiny_bert();
  const ParamCount p = count_parameters(enc, "count_lstm", LoraSettings{});
  EpochWork w;
  w.labels = 2;
  w.rows = {RowWork{10, 5, 12}, RowWork{20, 9, 40}};
  MemorySettings ms;
  ms.cuda = false;
  const double at7 = estimate_memory(enc, p, largest_batch(w, 7), ms).total();
  const double at8 = estimate_memory(enc, p, largest_batch(w, 8), ms).total();
  ASSERT_LT(at7, at8);
  EXPECT_EQ(largest_fitting_batch(enc, p, w, ms, (at7 + at8) / 2), 7);
  EXPECT_EQ(largest_fitting_batch(enc, p, w, ms, 1.0), 0);
  EXPECT_EQ(largest_batch(w, 4).seq_len, 20);
  EXPECT_EQ(largest_batch(w, 4).spans, 4 * 40);
}

TEST(PlanTime, FlopsAllReduceAndEpoch) {
  const EncoderConfig enc = tiny_bert();
  EpochWork w;
  w.labels = 2;
  w.rows = {RowWork{10, 5, 12}, RowWork{20, 9, 40}};
  w.dev = {RowWork{10, 5, 12}};
  const EpochFlops f = epoch_flops(enc, w);
  BatchShape s;
  s.rows = 1, s.seq_len = 10, s.words = 5, s.spans = 12, s.labels = 2;
  const double row0 = step_flops(enc, s).forward();
  s.seq_len = 20, s.words = 9, s.spans = 40;
  const double row1 = step_flops(enc, s).forward();
  EXPECT_DOUBLE_EQ(f.train, 3 * (row0 + row1));  // bench step's training-step FLOPs
  EXPECT_DOUBLE_EQ(f.dev_forward, row0);

  AllReduce ar;
  ar.ranks = 4, ar.bus_gbs = 10, ar.gradient_bytes = 1e9;
  EXPECT_DOUBLE_EQ(allreduce_seconds(ar), 1e9 * 2 * 3 / 4 / 1e10);
  ar.ranks = 1;
  EXPECT_EQ(allreduce_seconds(ar), 0);

  EpochFlops ef{4e12, 1e12};
  const DeviceSpeed d{2e12, 0.5};  // 1 TFLOP/s achieved
  EpochTime t = epoch_time(ef, d, run_shape(100, 10, 1, 2), AllReduce{2, 1, 3e9, false}, 0.25);
  EXPECT_DOUBLE_EQ(t.compute, 2);   // 4e12 / 2 ranks / 1e12
  EXPECT_DOUBLE_EQ(t.eval, 0.5);
  EXPECT_EQ(t.steps, 5);
  EXPECT_DOUBLE_EQ(t.allreduce, 5 * 3.0);  // 3e9 x 2 x 1/2 / 1e9 per step, not overlapped
  EXPECT_DOUBLE_EQ(t.optimizer, 5 * 0.25);  // one optimizer step per step
  EXPECT_DOUBLE_EQ(t.total(), 2 + 0.5 + 15 + 1.25);
  EXPECT_DOUBLE_EQ(t.per_step(), (2 + 15 + 1.25) / 5);
  // Overlapped: only what outlasts the backward pass (2/3 of 0.4 s per step) shows.
  t = epoch_time(ef, d, run_shape(100, 10, 1, 2), AllReduce{2, 1, 3e9, true}, 0);
  EXPECT_NEAR(t.allreduce, 5 * (3.0 - 0.4 * 2 / 3), 1e-9);

  // 40 bytes per trainable parameter at the memory bandwidth: 1e8 parameters at 400 GB/s.
  EXPECT_DOUBLE_EQ(optimizer_step_seconds(100000000, 400, false), 40e8 / 400e9);
  EXPECT_DOUBLE_EQ(optimizer_step_seconds(100000000, 400, true), 52e8 / 400e9);  // + unscale and inf check
  EXPECT_EQ(optimizer_step_seconds(100000000, 0, false), 0);
}

TEST(PlanCost, AshaExpectedBudgetAndSweepCost) {
  AshaSettings a;
  a.enabled = true;
  a.grace_period = 1, a.reduction_factor = 3;
  // rungs 1 and 3 below 9: 1 + (3 - 1)/3 + (9 - 3)/9
  EXPECT_NEAR(asha_expected_budget(a, 9), 1 + 2.0 / 3 + 6.0 / 9, 1e-12);
  a.enabled = false;
  EXPECT_EQ(asha_expected_budget(a, 9), 9);

  SweepWork sw;
  sw.trials = 10, sw.epochs_per_trial = 2.5;
  const RunCost c = run_cost(3600, 2, 2, 1.5, 3, &sw);
  EXPECT_DOUBLE_EQ(c.run_hours, 2);
  EXPECT_DOUBLE_EQ(c.gpu_hours, 4);
  EXPECT_DOUBLE_EQ(c.usd_run, 6);
  EXPECT_DOUBLE_EQ(c.usd_repeats, 18);
  EXPECT_DOUBLE_EQ(c.sweep_hours, 10 * 2.5 * 1 * 2);
  EXPECT_DOUBLE_EQ(c.usd_sweep, 75);
}

TEST(PlanCost, SweepWorkFromAFile) {
  SweepConfig s;
  s.trials = 4;
  s.repeats = 2;
  s.space.push_back(SearchDim{"optim.head_lr", SearchDim::Kind::Uniform, {}, 1e-4, 1e-3});
  s.asha.enabled = true;
  s.asha.grace_period = 1;
  s.asha.reduction_factor = 2;
  const SweepWork w = sweep_work(s, 4, 10);  // max budget = the base config's 4 epochs
  EXPECT_EQ(w.trials, 8);
  EXPECT_NEAR(w.epochs_per_trial, 1 + 1.0 / 2 + 2.0 / 4, 1e-12);  // rungs 1, 2
  s.asha.unit = "steps";
  s.asha.max_budget = 40;
  s.asha.grace_period = 10;
  EXPECT_NEAR(sweep_work(s, 4, 10).epochs_per_trial, 1 + 1.0 / 2 + 2.0 / 4, 1e-12);
  // A step budget past the base's 4 epochs x 10 steps: the trial ends with its epochs, at 40 steps
  // (rungs 10 and 20 below it, as with max_budget 40).
  s.asha.max_budget = 100;
  const SweepWork capped = sweep_work(s, 4, 10);
  EXPECT_NEAR(capped.epochs_per_trial, 1 + 1.0 / 2 + 2.0 / 4, 1e-12);
  EXPECT_DOUBLE_EQ(capped.full_epochs, 4);
}

TEST(PlanCost, SweepWorkWithoutAshaTrainsEachTrialsEpochs) {
  SweepConfig s;
  s.method = "grid";
  s.space.push_back(SearchDim{"optim.epochs", SearchDim::Kind::Choice, {"1", "3"}, 0, 0});
  s.asha.enabled = false;
  s.asha.max_budget = 9;  // ASHA's budget: not what a trial trains without ASHA
  SweepWork w = sweep_work(s, 4, 10);
  EXPECT_EQ(w.trials, 2);
  EXPECT_DOUBLE_EQ(w.epochs_per_trial, 2);  // the trials' own 1 and 3 epochs
  EXPECT_DOUBLE_EQ(w.full_epochs, 3);
  s.space[0] = SearchDim{"optim.head_lr", SearchDim::Kind::Choice, {"1.0e-3"}, 0, 0};
  w = sweep_work(s, 4, 10);
  EXPECT_DOUBLE_EQ(w.epochs_per_trial, 4);  // the base config's epochs
  EXPECT_DOUBLE_EQ(w.full_epochs, 4);
}

}  // namespace
}  // namespace gtrain
