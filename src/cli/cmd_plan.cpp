// gtrain plan CONFIG: memory, time and cost of the run (or a sweep over it) per GPU type and cluster
// size, before renting GPUs (docs/planning.md).
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "config/train_config.h"
#include "plan/gpu_catalog.h"
#include "plan/plan.h"
#include "plan/plan_report.h"
#include "plan/work.h"
#include "search/sweep_config.h"
#include "train/runtime_info.h"
#include "train/step_bench.h"

namespace gtrain::cli {

namespace {

// A few real training steps on this machine at the config's model, precision and row lengths
// (bench step's loop, length-bucketed batches as the trainer builds them): the achieved FLOP/s.
LocalMeasurement measure_local(const TrainConfig& cfg, const EncoderConfig& enc, const EpochWork& work, int steps) {
  StepBenchOptions o;
  o.encoder_config = enc;
  o.max_width = cfg.model.max_width;
  o.batch_size = cfg.optim.batch_size;
  o.sort_by_length = true;
  o.warmup = 2;
  o.steps = steps;
  o.precision = precision_name(cfg.precision);
  o.gradient_checkpointing = cfg.model.gradient_checkpointing;
  o.prompt_tokens = static_cast<int>(work.prompt_tokens);
  o.labels = static_cast<int>(work.labels);
  o.seed = cfg.optim.seed;
  o.quiet = true;
  for (const RowWork& r : work.rows)
    o.rows.emplace_back(static_cast<int>(r.tokens - work.prompt_tokens), static_cast<int>(r.words));
  if (cfg.device == DeviceKind::Cuda) o.device = "cuda";
  const StepBenchResult res = run_step_bench(o);
  LocalMeasurement m;
  m.device = o.device;
  // The forward and backward passes' rate; the optimizer step is its own term (plan/time_model.h).
  m.achieved_flops = res.flops_per_step / (res.step_seconds - res.optimizer_seconds);
  m.optimizer_seconds_per_parameter = res.optimizer_seconds / static_cast<double>(res.parameters);
  m.peak_flops = res.peak_flops;
  // What the run must fit in: the GPU's memory on CUDA (the first visible one, which bench step
  // ran on), the host's RAM on the CPU.
  if (o.device == "cuda") {
    const RuntimeInfo ri = runtime_info();
    if (ri.gpus.empty()) throw std::runtime_error("plan --measure: device cuda, but no GPU is visible: " + ri.gpu_note);
    m.memory_bytes = ri.gpus[0].total_gib * 1073741824.0;
  } else {
    m.memory_bytes = static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  }
  std::fprintf(stderr, "plan --measure: %d steps of batch %d on %s: %.1f ms per micro-batch (optimizer %.1f ms), %.3g FLOP/s "
               "achieved in forward + backward (%.1f%% of %.3g)\n",
               steps, o.batch_size, o.device.c_str(), 1e3 * res.step_seconds, 1e3 * res.optimizer_seconds, m.achieved_flops,
               res.peak_flops > 0 ? 100.0 * m.achieved_flops / res.peak_flops : 0.0, res.peak_flops);
  return m;
}

// A sweep's trials as `gtrain sweep` trains them: the epochs and batch (the steps per epoch of a
// budget in steps) of its base config with its set:; their epoch time is the plan config's.
SweepWork plan_sweep(const SweepConfig& sc, const TrainConfig& cfg, const EpochWork& work, int ranks) {
  const TrainConfig base = load_train_config(sc.base_config, sc.fixed_overrides, /*check_files=*/false);
  const OptimConfig &b = base.optim, &c = cfg.optim;
  if (b.epochs != c.epochs || b.batch_size != c.batch_size || b.grad_accum != c.grad_accum)
    spdlog::warn("plan: the sweep {} trains {} with its set: ({} epochs, batch {} x accumulation {}), not this config's "
                 "{} epochs, batch {} x {}: its trials are costed at the sweep's epochs and batch, at this config's "
                 "epoch time",
                 sc.file, sc.base_config, b.epochs, b.batch_size, b.grad_accum, c.epochs, c.batch_size, c.grad_accum);
  const RunShape rs = run_shape(static_cast<int64_t>(work.rows.size()), b.batch_size, b.grad_accum, ranks);
  return sweep_work(sc, b.epochs, rs.steps_per_epoch);
}

// configs/plan/gpus.yaml of the checkout in use: the current folder's, else the one beside the
// binary (build/gtrain, gpu-bundle/bin/gtrain), else the source tree it was built from.
std::string default_gpu_catalog() {
  namespace fs = std::filesystem;
  const fs::path rel = fs::path("configs") / "plan" / "gpus.yaml";
  std::vector<fs::path> tried = {fs::current_path() / rel};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) tried.insert(tried.end(), {exe.parent_path().parent_path() / rel, exe.parent_path().parent_path().parent_path() / rel});
  tried.push_back(fs::path(GTRAIN_SOURCE_DIR_FOR_PLAN) / rel);
  std::string names;
  for (const fs::path& p : tried) {
    if (fs::is_regular_file(p, ec)) return p.lexically_normal().string();
    names += (names.empty() ? "" : ", ") + p.lexically_normal().string();
  }
  throw InputError("", 0, "--catalog", "no GPU catalog given and none found (looked for " + names + ")");
}

}  // namespace

void add_plan_command(CLI::App& app) {
  struct Args {
    std::string config, gpus = "t4,a10g,a100-40gb,a100-80gb,h100", sweep, catalog, inter_node;
    std::vector<std::string> overrides;
    int nodes = 1, gpus_per_node = 1, repeats = 1, measure_steps = 8;
    bool measure = false, json = false;
    double bus_gbs = 0;
    int64_t examples = 0, vocab = 0;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("plan", "memory, time and cost of a run or a sweep per GPU type (docs/planning.md)");
  cmd->add_option("config", a->config, "training config (YAML)")->required();
  cmd->add_option("--set", a->overrides, "override a config key, as for train");
  cmd->add_option("--gpus", a->gpus, "GPU types of the catalog, comma-separated")->capture_default_str();
  cmd->add_option("--nodes", a->nodes, "nodes")->capture_default_str()->check(at_least_one());
  cmd->add_option("--gpus-per-node", a->gpus_per_node, "GPUs (ranks) per node")->capture_default_str()->check(at_least_one());
  cmd->add_option("--sweep", a->sweep, "a sweep file (docs/sweeps.md) to cost: trials x epochs, ASHA's stops");
  cmd->add_option("--repeats", a->repeats, "runs of the config (seeds)")->capture_default_str()->check(at_least_one());
  cmd->add_flag("--measure", a->measure, "time a few real steps on this machine for its achieved FLOP/s");
  cmd->add_option("--measure-steps", a->measure_steps, "timed steps of --measure")->capture_default_str()->check(at_least_one());
  cmd->add_flag("--json", a->json, "the plan as JSON on stdout");
  cmd->add_option("--bus-gbs", a->bus_gbs, "all-reduce bus bandwidth, GB/s (e.g. from bench allreduce); replaces the table")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--inter-node", a->inter_node,
                  "the link between nodes, an interconnect of the catalog (e.g. infiniband-hdr; default: its "
                  "inter_node)");
  cmd->add_option("--catalog", a->catalog,
                  "GPU types and prices (YAML; default: configs/plan/gpus.yaml of the current folder, else of the "
                  "checkout the binary is in)");
  cmd->add_option("--examples", a->examples, "plan for this many training rows (the data's lengths repeated)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--vocab", a->vocab, "encoder vocabulary (default: the tokenizer's / the model's)")
      ->check(CLI::NonNegativeNumber);
  cmd->callback([a] {
    const TrainConfig cfg = load_train_config(a->config, a->overrides);
    const GpuCatalog catalog = load_gpu_catalog(a->catalog.empty() ? default_gpu_catalog() : a->catalog);
    const std::unique_ptr<Tokenizer> tok = open_config_tokenizer(cfg);
    const EncoderConfig enc = config_encoder(cfg, *tok, a->vocab);
    const EpochWork work = read_epoch_work(cfg, *tok, cfg.model.max_width, a->examples);
    PlanOptions po;
    po.gpus = split_list(a->gpus, ',');
    po.nodes = a->nodes;
    po.gpus_per_node = a->gpus_per_node;
    po.bus_gbs = a->bus_gbs;
    po.inter_node = a->inter_node;
    po.repeats = a->repeats;
    std::optional<SweepWork> sweep;
    if (!a->sweep.empty()) sweep = plan_sweep(load_sweep_config(a->sweep), cfg, work, a->nodes * a->gpus_per_node);
    std::optional<LocalMeasurement> local;
    if (a->measure) {
#ifdef GTRAIN_HAVE_TORCH
      local = measure_local(cfg, enc, work, a->measure_steps);
#else
      throw std::runtime_error("plan --measure: this gtrain was built without LibTorch");
#endif
    }
    Plan p = make_plan(a->config, cfg, enc, work, catalog, po, sweep, local);
    p.sweep_file = a->sweep;
    if (a->json)
      std::printf("%s\n", plan_json(p).dump(2).c_str());
    else
      std::printf("%s", plan_table(p).c_str());
  });
}

}  // namespace gtrain::cli
