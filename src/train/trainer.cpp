#include "train/trainer.h"
#include "io/atomic_file.h"
#include "train/torch_errors.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <spdlog/spdlog.h>

#include "data/hdf5_store.h"
#include "data/prepare.h"
#include "data/sharding.h"
#include "io/file_lock.h"
#include "io/metrics_log.h"
#include "io/stale_temps.h"
#include "io/tensorboard_writer.h"
#include "model/hf_checkpoint.h"
#include "model/lora.h"
#include "model/tensor_io.h"
#include "model/state_dict.h"
#include "dist/communicator.h"
#include "dist/grad_reducer.h"
#include "dist/param_sync.h"
#include "train/batch_builder.h"
#include "train/checkpoint.h"
#include "train/evaluator.h"
#include "train/runtime_info.h"
#include "train/lr_schedule.h"
#include "train/mixed_precision.h"
#include "train/optimizer.h"
#include "train/fault_injection.h"
#include "train/stop_request.h"
#include "train/threads.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct DataPaths {
  std::string train, dev, test;
};

// Prepared files: given directly, or an inline prepare section prepared once into its cache dir.
DataPaths resolve_data(const TrainConfig& cfg) {
  DataPaths p{cfg.data.train, cfg.data.dev, cfg.data.test};
  if (!cfg.data.prepare) return p;
  const std::string dir = prepared_data_dir(cfg.data);
  // Runs that share the cache (a sweep's rank groups start their first trials together) prepare
  // it one at a time: the first writes every split, the others then find them all.
  FileLock lock(dir + ".lock", "prepared data " + dir);
  if (fs::exists(fs::path(dir) / "train.h5")) {
    spdlog::info("prepared data: {} (cached; delete it to prepare again)", dir);
  } else {
    PrepareConfig pc = *cfg.data.prepare;
    pc.output_dir = dir;
    PrepareReport rep = prepare(pc);
    spdlog::info("prepared {} examples into {} in {:.2f} s", rep.examples, dir, rep.seconds);
  }
  auto pick = [&](const std::string& given, const char* split) {
    if (!given.empty()) return given;
    const fs::path f = fs::path(dir) / (std::string(split) + ".h5");
    return fs::exists(f) ? f.string() : std::string();
  };
  p.train = pick(p.train, "train");
  p.dev = pick(p.dev, "dev");
  p.test = pick(p.test, "test");
  return p;
}

double metric_of(const ThresholdScores& s, double loss, const std::string& metric) {
  if (metric == "macro_f1") return s.macro.f1;
  if (metric == "micro_precision") return s.micro.precision;
  if (metric == "micro_recall") return s.micro.recall;
  if (metric == "loss") return -loss;  // higher is better everywhere below
  return s.micro.f1;
}

// A terminal gets one self-updating line; logs (CI, Slurm) get plain periodic lines.
class Progress {
 public:
  // enabled = false (ranks other than 0): prints nothing.
  Progress(ProgressMode mode, int64_t total, bool enabled) : total_(total), enabled_(enabled) {
    bar_ = mode == ProgressMode::Bar || (mode == ProgressMode::Auto && ::isatty(2));
  }
  void update(int64_t epoch, int64_t epochs, int64_t step, double loss, double lr, double samples_per_s,
              double elapsed, bool log_line) {
    if (!enabled_) return;
    const double eta = step > 0 ? elapsed / static_cast<double>(step) * static_cast<double>(total_ - step) : 0.0;
    if (bar_) {
      const int width = 24;
      const int filled = total_ > 0 ? static_cast<int>(width * step / total_) : 0;
      std::fprintf(stderr, "\r[%s%s] epoch %lld/%lld step %lld/%lld loss %.4f lr %.2e %.1f samples/s ETA %s ",
                   std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(),
                   (long long)epoch + 1, (long long)epochs, (long long)step, (long long)total_, loss, lr,
                   samples_per_s, fmt_time(eta).c_str());
      std::fflush(stderr);
      dirty_ = true;
    } else if (log_line) {
      spdlog::info("epoch {}/{} step {}/{} loss {:.4f} lr {:.2e} {:.1f} samples/s ETA {}", epoch + 1, epochs, step,
                   total_, loss, lr, samples_per_s, fmt_time(eta));
    }
  }
  void end_line() {
    if (dirty_) std::fprintf(stderr, "\n");
    dirty_ = false;
  }

 private:
  static std::string fmt_time(double s) {
    char b[32];
    std::snprintf(b, sizeof b, "%d:%02d", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
    return b;
  }
  int64_t total_;
  bool enabled_;
  bool bar_ = false, dirty_ = false;
};

torch::Device pick_device(DeviceKind kind, int local_rank) {
  if (kind == DeviceKind::Cpu) return torch::kCPU;
  const bool cuda = torch::cuda::is_available();
  if (kind == DeviceKind::Cuda && !cuda)
    throw std::invalid_argument("device: cuda, but no CUDA device is visible (a CPU build of LibTorch, or no GPU/driver)");
  if (!cuda) return torch::kCPU;
  // One GPU per rank: the launcher starts as many ranks per node as there are GPUs.
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank % static_cast<int>(torch::cuda::device_count())));
}

// Seed of one micro-batch's negative-span masking draws: a function of where the micro-batch is
// (not of a generator's history), so a resumed run, or one on another number of ranks, draws
// what it would have drawn, and ranks draw independently.
uint64_t masking_seed(uint64_t seed, int64_t epoch, int64_t micro, int rank) {
  uint64_t x = seed ^ 0x9E3779B97F4A7C15ULL;
  for (uint64_t v : {static_cast<uint64_t>(epoch), static_cast<uint64_t>(micro), static_cast<uint64_t>(rank)}) {
    x ^= v + 0x9E3779B97F4A7C15ULL + (x << 6) + (x >> 2);
    x = (x ^ (x >> 31)) * 0xBF58476D1CE4E5B9ULL;
  }
  return x;
}

// GLiNER2's added_tokens.json, for exports whose tokenizer folder had none (from-scratch models).
void ensure_added_tokens(const std::string& dir, const Tokenizer& tok) {
  const fs::path f = fs::path(dir) / "added_tokens.json";
  if (fs::exists(f)) return;
  nlohmann::json j = nlohmann::json::object();
  for (const std::string& t : gliner2_special_tokens()) j[t] = tok.piece_to_id(t);
  write_text_file_atomic(f.string(), j.dump(2) + "\n");
}

}  // namespace

TrainSummary run_training(const TrainConfig& cfg, const TrainOptions& opts) {
  dist::Group alone;
  dist::Group& group = opts.group ? *opts.group : alone;
  const int rank = group.rank(), world = group.size();
  const bool leader = rank == 0;  // only rank 0 writes files
  group.set_timeout_s(cfg.comm.timeout_s);
  const torch::Device device = pick_device(cfg.device, group.local_rank());
  check_precision(cfg.precision, device);
  if (cfg.precision == Precision::FP16 && cfg.comm.compression == GradCompression::FP16)
    throw std::invalid_argument("comm.compression: fp16 with precision: fp16 sends loss-scaled gradients through fp16 "
                                "and overflows; use comm.compression: bf16 (or none)");
  install_stop_handlers();

  TrainSummary sum;
  sum.run_dir = cfg.output_dir;
  if (leader) {
    fs::create_directories(cfg.output_dir);
    clean_stale_temps(cfg.output_dir);  // what a killed run on this folder left half-written
    save_resolved_config(cfg, (fs::path(cfg.output_dir) / "config.yaml").string());
  }
  torch::manual_seed(cfg.optim.seed);
  // GTRAIN_DETERMINISTIC=1: deterministic kernels (CUDA's index_add and scatter otherwise sum with
  // atomics in any order), so two GPU runs, or a run and its resume, give identical losses.
  if (const char* d = std::getenv("GTRAIN_DETERMINISTIC"); d && std::string(d) == "1") {
    ::setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", 0);
    at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/true);
    spdlog::info("deterministic algorithms on (GTRAIN_DETERMINISTIC=1)");
  }
  spdlog::info("torch: {} intra-op threads, device {}{}", configure_torch_threads(0, group.local_size()), device.str(),
               world > 1 ? fmt::format(", rank {} of {} on {} (local rank {}, pid {})", rank, world, group.host(),
                                       group.local_rank(), ::getpid())
                         : "");

  // ---- data (rank 0 prepares an inline section and tells the others which files to read, so
  // that every rank of the group reads the same splits) ----
  DataPaths data;
  std::string paths;
  if (leader) {
    data = resolve_data(cfg);
    paths = data.train + '\n' + data.dev + '\n' + data.test;
  }
  group.broadcast(paths, 0, "data paths broadcast");
  if (!leader) {
    std::istringstream in(paths);
    std::getline(in, data.train);
    std::getline(in, data.dev);
    std::getline(in, data.test);
  }
  if (data.train.empty()) throw std::runtime_error("data: no training split (data.train or a 'train' split)");

  // ---- tokenizer and model ----
  TrainModel tm = build_train_model(cfg, device);
  Extractor model = tm.model;
  std::shared_ptr<Tokenizer> tok = tm.tok;
  const std::string& tokenizer_dir = tm.tokenizer_dir;
  const LoraConfig& lora = tm.lora;

  // ---- communication: rank 0's weights everywhere, checked ----
  std::unique_ptr<dist::Communicator> comm;
  if (world > 1) {
    comm = dist::make_communicator(group, cfg.comm.backend, device);
    std::vector<torch::Tensor> all;
    for (auto& kv : state_dict(*model)) all.push_back(kv.second);
    dist::broadcast_tensors(all, *comm, 0);
    dist::check_same_on_all_ranks(all, group, "initial parameter check");
    spdlog::info("dist: {} ranks, backend {}, initial weights broadcast from rank 0 and checked", world, comm->backend());
  }

  PreparedReader train(data.train, tok->fingerprint());
  std::unique_ptr<PreparedReader> dev, test;
  if (!data.dev.empty()) dev = std::make_unique<PreparedReader>(data.dev, tok->fingerprint());
  if (!data.test.empty()) test = std::make_unique<PreparedReader>(data.test, tok->fingerprint());
  for (PreparedReader* r : {&train, dev.get(), test.get()}) {
    if (!r) continue;
    r->check_token_ids(tok->vocab_size());
    if (!cfg.data.labels.empty()) r->select_labels(cfg.data.labels);  // data.labels: a subset, in its order
  }
  const PreparedMeta& meta = train.meta();
  bool any_desc = false;
  for (const auto& d : meta.label_descriptions) any_desc |= !d.empty();
  BatchBuilder builder(*tok, meta.labels, meta.label_descriptions, any_desc);
  // Rows the encoder's position table cannot hold would fail mid-epoch: refuse them up front.
  if (const int64_t limit = model->encoder_config.max_sequence_tokens(); limit > 0) {
    for (PreparedReader* r : {&train, dev.get(), test.get()}) {
      if (!r || r->lengths_tokens().empty()) continue;
      const int64_t text = *std::max_element(r->lengths_tokens().begin(), r->lengths_tokens().end());
      const int64_t row = builder.max_row_tokens(text);
      if (row > limit)
        throw std::runtime_error(r->path() + ": rows of up to " + std::to_string(row) + " tokens (" +
                                 std::to_string(text) + " text tokens + the schema prompt) but the " +
                                 model->encoder_config.model_type() + " encoder takes at most " +
                                 std::to_string(limit) + " (its config.json's max_position_embeddings); lower "
                                 "data.prepare.max_length");
    }
  }
  spdlog::info("data: train {} rows{}{}, labels {}", train.size(),
               dev ? ", dev " + std::to_string(dev->size()) : "", test ? ", test " + std::to_string(test->size()) : "",
               fmt::join(meta.labels, ","));

  // ---- optimizer and schedule ----
  if (cfg.optim.encoder_lr > 1 || cfg.optim.head_lr > 1)
    spdlog::warn("learning rates {:.3g} (encoder) / {:.3g} (heads) are above 1: expect divergence (typo for e-?)",
                 cfg.optim.encoder_lr, cfg.optim.head_lr);
  TrainOptimizer opt = make_optimizer(*model, cfg.optim);
  for (const auto& g : opt.groups)
    spdlog::info("param group {}: {} tensors, {} elements, lr {:.1e}", g.name, g.tensors, g.elements, g.base_lr);
  const uint64_t seed = cfg.optim.seed;
  const int accum = std::max(1, cfg.optim.grad_accum);
  // One global micro-batch = batch_size examples on each of the W ranks (token_budget likewise).
  const int64_t global_micro = static_cast<int64_t>(cfg.optim.batch_size) * world;
  auto plan_of = [&](int64_t epoch) {
    return train_batches(train.lengths_tokens(), 0, 1, seed, epoch, static_cast<int>(global_micro),
                         cfg.optim.token_budget * world);
  };
  BatchPlan plan = plan_of(0);
  const int64_t micro_per_epoch = static_cast<int64_t>(plan.batches.size());
  const int64_t steps_per_epoch = (micro_per_epoch + accum - 1) / accum;
  const int64_t total_steps = steps_per_epoch * cfg.optim.epochs;
  const int64_t warmup = static_cast<int64_t>(cfg.optim.warmup_ratio * static_cast<double>(total_steps));
  spdlog::info("schedule: {} epochs x {} steps = {} steps ({} warmup), batch {} x {} rank(s) x accumulation {}",
               cfg.optim.epochs, steps_per_epoch, total_steps, warmup, cfg.optim.batch_size, world, accum);

  // ---- state, resume ----
  at::Generator mask_gen = at::detail::createCPUGenerator(seed ^ 0x9E3779B97F4A7C15ULL);
  TrainState st;
  if (opts.resume) {  // every rank reads the checkpoint (output_dir is on a shared filesystem)
    auto cks = list_checkpoints(cfg.output_dir);
    if (cks.empty()) throw std::runtime_error("--resume: no checkpoint-* in " + cfg.output_dir);
    st = load_checkpoint(cks.back(), *model, opt.adamw.get(), &mask_gen);
    if (st.world_size != world || (st.global_micro_batch > 0 && st.global_micro_batch != global_micro)) {
      // The epoch's plan is cut for another global batch: continue after as many examples as
      // were consumed (this epoch may repeat or skip a few; the next ones are exact again).
      const int64_t consumed = st.batch_in_epoch * (st.global_micro_batch > 0 ? st.global_micro_batch : global_micro);
      const int64_t bi = std::min<int64_t>(micro_per_epoch, consumed / global_micro);
      spdlog::warn("resuming a checkpoint written by {} rank(s) (global micro-batch {}) on {} rank(s) (global micro-batch "
                   "{}): epoch {} continues at micro-batch {} of {}",
                   st.world_size, st.global_micro_batch, world, global_micro, st.epoch + 1, bi, micro_per_epoch);
      st.batch_in_epoch = bi;
    }
    spdlog::info("resumed from {} (step {}, epoch {}, batch {})", cks.back(), st.step, st.epoch + 1, st.batch_in_epoch);
  }
  st.world_size = world;
  st.global_micro_batch = global_micro;
  // Dropout draws: rank 0 continues the default generator; the others get their own stream.
  if (rank > 0) torch::manual_seed(masking_seed(seed + 1, st.step, 0, rank));
  std::map<std::string, torch::Tensor> best_weights;
  if (opts.resume && fs::exists(fs::path(cfg.output_dir) / "best_state.safetensors"))
    best_weights = load_safetensors((fs::path(cfg.output_dir) / "best_state.safetensors").string());

  std::unique_ptr<dist::GradReducer> reducer;
  if (world > 1) {
    dist::ReducerOptions ro;
    ro.bucket_mb = cfg.comm.bucket_mb;
    ro.first_bucket_mb = std::min(1.0, cfg.comm.bucket_mb);
    ro.overlap = cfg.comm.overlap;
    ro.wire_dtype = cfg.comm.compression == GradCompression::FP16   ? torch::kHalf
                    : cfg.comm.compression == GradCompression::BF16 ? torch::kBFloat16
                                                                    : torch::kFloat;
    ro.grad_scale = 1.0;  // the loss sums over examples: the sum over ranks is the global-batch gradient
    reducer = std::make_unique<dist::GradReducer>(opt.params, *comm, ro);
    spdlog::info("dist: {} gradient buckets ({} MB, overlap {}, wire {})", reducer->num_buckets(), cfg.comm.bucket_mb,
                 cfg.comm.overlap ? "on" : "off", compression_name(cfg.comm.compression));
  }
  LossScaler scaler(cfg.precision == Precision::FP16, st.loss_scale);

  std::unique_ptr<MetricsLog> metrics;
  std::unique_ptr<TensorBoardWriter> tb;
  if (leader) {
    metrics = std::make_unique<MetricsLog>((fs::path(cfg.output_dir) / "metrics.jsonl").string());
    if (cfg.log.tensorboard)
      tb = std::make_unique<TensorBoardWriter>((fs::path(cfg.output_dir) / "tensorboard").string());
  }
  Progress progress(cfg.log.progress, total_steps, leader);
  EvalOptions eo;
  eo.thresholds.assign(cfg.eval.thresholds.begin(), cfg.eval.thresholds.end());
  eo.batch_size = cfg.eval.batch_size;
  eo.device = device;
  eo.group = world > 1 ? &group : nullptr;

  auto checkpoint = [&]() {
    st.loss_scale = scaler.scale();
    if (leader) {
      const std::string dir = (fs::path(cfg.output_dir) / ("checkpoint-" + std::to_string(st.step))).string();
      save_checkpoint(dir, *model, *opt.adamw, st, mask_gen);
      prune_checkpoints(cfg.output_dir, cfg.checkpoint.keep_last);
    }
  };
  // Evaluates on dev (sharded over the ranks; every rank gets the same scores); returns true when
  // training should stop early.
  auto evaluate_dev = [&](double epoch_pos) -> bool {
    if (!dev) return false;
    progress.end_line();
    auto t0 = Clock::now();
    EvalResult r = evaluate(*model, *dev, builder, eo);
    const size_t bi = r.sweep.best_index();
    const ThresholdScores s = r.sweep.scores(bi);
    const double score = metric_of(s, r.loss, cfg.early_stopping.metric);
    spdlog::info("eval step {}: loss {:.4f} micro-F1 {:.4f} (P {:.4f} R {:.4f}) macro-F1 {:.4f} at threshold {:.2f} ({:.1f} s)",
                 st.step, r.loss, s.micro.f1, s.micro.precision, s.micro.recall, s.macro.f1, r.sweep.thresholds()[bi],
                 seconds_since(t0));
    if (metrics)
      metrics->log(st.step, epoch_pos, "dev",
                   {{"loss", r.loss}, {"micro_f1", s.micro.f1}, {"macro_f1", s.macro.f1},
                    {"micro_precision", s.micro.precision}, {"micro_recall", s.micro.recall},
                    {"threshold", r.sweep.thresholds()[bi]}});
    if (tb) tb->add_scalars(st.step, {{"dev/loss", r.loss}, {"dev/micro_f1", s.micro.f1}, {"dev/macro_f1", s.macro.f1}});
    if (device.is_cuda())  // peak since the previous evaluation: what the training steps and this evaluation held
      if (auto m = gpu_memory_peak(device.index())) {
        spdlog::info("GPU memory peak since the last evaluation: {:.0f} MiB allocated, {:.0f} MiB reserved",
                     m->allocated_mib, m->reserved_mib);
        if (metrics) metrics->log(st.step, epoch_pos, "gpu", {{"peak_allocated_mib", m->allocated_mib},
                                                              {"peak_reserved_mib", m->reserved_mib}});
        reset_gpu_memory_peak(device.index());
      }
    // The first evaluation is always the best so far (for the loss metric scores are negative).
    if (st.best_step < 0 || score > st.best_score + cfg.early_stopping.min_delta) {
      st.best_score = score;
      st.best_threshold = r.sweep.thresholds()[bi];
      st.best_step = st.step;
      st.evals_without_improvement = 0;
      best_weights.clear();  // host copies: the best model must not cost device memory
      for (auto& [n, t] : state_dict(*model)) best_weights[n] = t.detach().to(torch::kCPU, false, /*copy=*/true);
      if (leader) {
        save_safetensors((fs::path(cfg.output_dir) / "best_state.safetensors").string(),
                         std::vector<std::pair<std::string, torch::Tensor>>(best_weights.begin(), best_weights.end()));
        write_eval_report((fs::path(cfg.output_dir) / "dev_report.json").string(), r.sweep,
                          {{"step", st.step}, {"split", "dev"}});
      }
    } else {
      ++st.evals_without_improvement;
    }
    if (opts.on_eval && !opts.on_eval(st.step, epoch_pos, score)) {
      sum.stopped_by_callback = true;
      spdlog::info("stopped at step {} by the caller (e.g. a sweep's ASHA rung)", st.step);
      return true;
    }
    return cfg.early_stopping.patience > 0 && st.evals_without_improvement >= cfg.early_stopping.patience;
  };

  // ---- the loop ----
  auto t_start = Clock::now();
  auto t_log = Clock::now();
  double loss_since_log = 0.0;    // summed over ranks: the global micro-batches' losses
  int64_t micro_since_log = 0, samples_since_log = 0, steps_since_log = 0;
  bool stop = false;
  for (int64_t epoch = st.epoch; epoch < cfg.optim.epochs && !stop; ++epoch) {
    st.epoch = epoch;
    if (epoch != 0) plan = plan_of(epoch);
    const int64_t nb = static_cast<int64_t>(plan.batches.size());
    double group_loss = 0.0;
    int64_t group_samples = 0, group_micro = 0;
    int64_t epoch_real_tokens = 0, epoch_batch_tokens = 0;  // this rank's: the padding share
    bool group_bad = false;
    for (int64_t bi = st.batch_in_epoch; bi < nb && !stop; ++bi) {
      const bool group_end = (bi + 1) % accum == 0 || bi + 1 == nb;
      const std::vector<int64_t> mine = rank_share(plan.batches[static_cast<size_t>(bi)], rank, world);
      if (group_end && reducer) reducer->prepare();
      if (!mine.empty()) {  // a rank whose share is empty still joins the all-reduce (with zeros)
        std::vector<PreparedExample> rows = train.get_many(mine);
        Gliner2Batch batch = builder.build(rows);
        epoch_real_tokens += batch.real_tokens;
        epoch_batch_tokens += batch.input_ids.numel();
        batch.input_ids = batch.input_ids.to(device);
        batch.attention_mask = batch.attention_mask.to(device);
        Gliner2ForwardOptions fo;
        fo.count_logits = false;
        Gliner2LossOptions lo;
        mask_gen.set_current_seed(masking_seed(seed, epoch, bi, rank));
        lo.generator = mask_gen;
        lo.masking_rate = cfg.optim.negative_masking_rate;
        torch::Tensor loss;
        with_torch_context(
            [&] {
              return "training step " + std::to_string(st.step) + " (epoch " + std::to_string(epoch) + ", " +
                     describe_rows(mine, train.path()) + ")";
            },
            [&] {
              {
                AutocastScope autocast(cfg.precision, device);
                Gliner2Output out = model->forward(batch, fo);
                loss = model->loss(out, batch, lo).total;
              }
              (scaler.enabled() ? loss * (scaler.scale() / accum) : loss / static_cast<double>(accum)).backward();
            });
        const double lv = loss.item<double>();
        group_bad |= !std::isfinite(lv);
        group_loss += lv;
        group_samples += static_cast<int64_t>(rows.size());
      }
      ++group_micro;
      if (!group_end) continue;

      if (reducer) reducer->finish();
      // One small all-reduce per step: losses, samples, divergence and stop requests of all ranks.
      std::vector<double> stats = {group_loss, static_cast<double>(group_samples), group_bad ? 1.0 : 0.0,
                                   stop_signal_number().load() ? 1.0 : 0.0};
      group.allreduce(stats, dist::ReduceOp::Sum, "step statistics all-reduce");
      if (stats[2] > 0 && !scaler.enabled())
        throw std::runtime_error("loss is not finite at step " + std::to_string(st.step) +
                                 " (diverged: lower the learning rate)");
      const double factor = lr_factor(cfg.optim.schedule, st.step, warmup, total_steps);
      opt.set_lr_factor(factor);
      const bool finite = scaler.unscale_and_check(opt.params);
      if (!scaler.enabled() && cfg.comm.compression == GradCompression::FP16 && world > 1 &&
          !grads_finite(opt.params))
        throw std::runtime_error("gradients not finite after the fp16 all-reduce at step " + std::to_string(st.step) +
                                 " (fp16 tops out at 65504): use comm.compression: bf16");
      if (finite) {
        if (cfg.optim.max_grad_norm > 0) torch::nn::utils::clip_grad_norm_(opt.params, cfg.optim.max_grad_norm);
        opt.step();
      } else {
        spdlog::warn("step {}: gradients overflowed at loss scale {:.0f}; step skipped", st.step, scaler.scale());
      }
      scaler.update(finite);
      for (auto& p : opt.params) p.mutable_grad() = torch::Tensor();
      ++st.step;
      st.batch_in_epoch = bi + 1;
      maybe_inject_fault(rank, st.step);
      loss_since_log += stats[0];
      micro_since_log += group_micro;
      samples_since_log += static_cast<int64_t>(stats[1]);
      ++steps_since_log;
      group_loss = 0.0;
      group_samples = group_micro = 0;
      group_bad = false;

      const bool log_now = st.step % std::max<int64_t>(1, cfg.log.every_steps) == 0;
      const double dt = seconds_since(t_log);
      const double mean_loss = loss_since_log / static_cast<double>(std::max<int64_t>(1, micro_since_log));
      const double lr_head = opt.groups.back().base_lr * factor;
      progress.update(epoch, cfg.optim.epochs, st.step, mean_loss, lr_head, samples_since_log / std::max(dt, 1e-9),
                      seconds_since(t_start), log_now);
      if (log_now) {
        std::vector<std::pair<std::string, double>> m = {
            {"loss", mean_loss}, {"lr_head", lr_head}, {"samples_per_s", samples_since_log / std::max(dt, 1e-9)}};
        if (scaler.enabled()) m.push_back({"loss_scale", scaler.scale()});
        if (reducer) {  // where a step's time went (this rank; rank 0 logs)
          const double n = static_cast<double>(steps_since_log);
          const dist::ReducerStats& rs = reducer->stats();
          const double step_ms = dt / n * 1e3, comm_ms = rs.comm_s / n * 1e3, exposed_ms = rs.exposed_s / n * 1e3;
          spdlog::info("step time {:.1f} ms: compute {:.1f} ms, communication {:.1f} ms of which exposed {:.1f} ms "
                       "({} buckets, overlap {})",
                       step_ms, step_ms - exposed_ms, comm_ms, exposed_ms, reducer->num_buckets(),
                       cfg.comm.overlap ? "on" : "off");
          m.insert(m.end(), {{"step_ms", step_ms}, {"comm_ms", comm_ms}, {"exposed_comm_ms", exposed_ms}});
          reducer->reset_stats();
        }
        if (metrics) metrics->log(st.step, epoch + static_cast<double>(bi + 1) / nb, "train", m);
        if (tb) tb->add_scalars(st.step, {{"train/loss", mean_loss}, {"train/lr_head", lr_head}});
        loss_since_log = 0;
        micro_since_log = samples_since_log = steps_since_log = 0;
        t_log = Clock::now();
      }
      if (cfg.eval.every_steps > 0 && st.step % cfg.eval.every_steps == 0)
        stop = evaluate_dev(epoch + static_cast<double>(bi + 1) / nb);
      if (cfg.checkpoint.every_steps > 0 && st.step % cfg.checkpoint.every_steps == 0) checkpoint();
      const bool signalled = stats[3] > 0;
      if (signalled || (opts.stop_after_steps > 0 && st.step >= opts.stop_after_steps)) {
        progress.end_line();
        checkpoint();
        group.barrier("barrier after the final checkpoint");
        sum.steps = st.step;
        if (signalled) {
          sum.stop_signal = stop_signal_number().load() ? stop_signal_number().load() : SIGTERM;
          spdlog::warn("stop requested (signal on {} rank(s)): stopped after step {}, checkpoint written; continue "
                       "with --resume", static_cast<int>(stats[3]), st.step);
        } else {
          spdlog::info("stopped after {} steps (checkpoint written; continue with --resume)", st.step);
        }
        return sum;
      }
    }
    if (epoch_batch_tokens > 0)
      spdlog::info("epoch {}: padding {:.1f}% of the batch tensors ({} real tokens of {}; optim.token_budget {})",
                   epoch + 1, 100.0 * static_cast<double>(epoch_batch_tokens - epoch_real_tokens) /
                                  static_cast<double>(epoch_batch_tokens),
                   epoch_real_tokens, epoch_batch_tokens, cfg.optim.token_budget);
    if (stop) break;
    st.batch_in_epoch = 0;
    st.epoch = epoch + 1;
    if (cfg.eval.every_steps == 0) stop = evaluate_dev(static_cast<double>(epoch + 1));
    if (cfg.checkpoint.every_steps == 0) checkpoint();
    if (stop && !sum.stopped_by_callback) spdlog::info("early stopping: no improvement in {} evaluations", st.evals_without_improvement);
  }
  progress.end_line();
  st.finished = true;
  sum.steps = st.step;
  sum.epochs_trained = static_cast<double>(st.epoch) + (micro_per_epoch > 0 && st.batch_in_epoch > 0 && st.epoch < cfg.optim.epochs
                                                           ? static_cast<double>(st.batch_in_epoch) / static_cast<double>(micro_per_epoch)
                                                           : 0.0);
  sum.best_score = st.best_score;
  sum.best_threshold = st.best_threshold;

  // ---- the best model: exported (rank 0), then scored on the test split at its dev threshold ----
  if (!best_weights.empty()) load_state(*model, best_weights, "", true);
  if (cfg.model.lora.enabled) {  // the adapters alone, then merged into the exported weights
    if (leader) save_lora_adapters(*model, (fs::path(cfg.output_dir) / "best_adapters").string(), lora);
    merge_lora(*model);
  }
  sum.best_model_dir = (fs::path(cfg.output_dir) / "best").string();
  if (leader) {
    nlohmann::json j = {{"threshold", st.best_threshold}, {"step", st.best_step}, {"score", st.best_score},
                        {"metric", cfg.early_stopping.metric}, {"labels", meta.labels},
                        {"label_descriptions", meta.label_descriptions}, {"unit_mode", meta.unit_mode},
                        {"max_length", meta.max_length},
                        {"window_stride", cfg.data.prepare ? cfg.data.prepare->window_stride : 16}};
    Gliner2ExportOptions eo_best;
    eo_best.gtrain_json = j.dump(2) + "\n";  // in the same atomic step as the weights
    export_gliner2_checkpoint(*model, tokenizer_dir, sum.best_model_dir, eo_best);
    ensure_added_tokens(sum.best_model_dir, *tok);
    spdlog::info("best model (step {}, dev {} {:.4f}, threshold {:.2f}): {}", st.best_step, cfg.early_stopping.metric,
                 st.best_score, st.best_threshold, sum.best_model_dir);
  }
  if (test) {
    EvalResult r = evaluate(*model, *test, builder, eo);
    size_t ti = 0;
    for (size_t i = 0; i < r.sweep.thresholds().size(); ++i)
      if (std::fabs(r.sweep.thresholds()[i] - st.best_threshold) < 1e-6) ti = i;
    sum.test_micro_f1 = r.sweep.scores(ti).micro.f1;
    sum.report_path = (fs::path(cfg.output_dir) / "eval_report.json").string();
    if (leader) {
      write_eval_report(sum.report_path, r.sweep, {{"split", "test"}, {"dev_threshold", st.best_threshold}});
      write_text_file_atomic((fs::path(cfg.output_dir) / "eval_report.md").string(), markdown_report(r.sweep));
      std::printf("\nTest split (%s), threshold sweep (the tables mark the test split's own best threshold):\n%s\n",
                  data.test.c_str(), text_report(r.sweep).c_str());
      std::printf("test micro-F1 at threshold %.2f: %.4f\nreport: %s\nmodel:  %s\n", st.best_threshold,
                  sum.test_micro_f1, sum.report_path.c_str(), sum.best_model_dir.c_str());
    }
  }
  group.barrier("barrier at the end of training");
  return sum;
}

}  // namespace gtrain
