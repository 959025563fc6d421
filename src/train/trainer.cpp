#include "train/trainer.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <spdlog/spdlog.h>

#include "data/sharding.h"
#include "dist/communicator.h"
#include "dist/grad_reducer.h"
#include "dist/param_sync.h"
#include "config/config_diff.h"
#include "io/atomic_file.h"
#include "io/file_lock.h"
#include "io/input_error.h"
#include "io/read_text_file.h"
#include "model/accumulate_grad.h"
#include "model/embedding.h"
#include "model/state_dict.h"
#include "train/best_model.h"
#include "train/checkpoint.h"
#include "train/dev_evaluation.h"
#include "train/fault_injection.h"
#include "train/lr_schedule.h"
#include "train/mixed_precision.h"
#include "train/optimizer.h"
#include "train/progress.h"
#include "train/run_logs.h"
#include "train/runtime_info.h"
#include "train/stop_request.h"
#include "model/threads.h"
#include "model/torch_errors.h"
#include "train/training_data.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

torch::Device pick_device(DeviceKind kind, int local_rank) {
  if (kind == DeviceKind::Cpu) return torch::kCPU;
  const bool cuda = torch::cuda::is_available();
  if (kind == DeviceKind::Cuda && !cuda)
    throw std::invalid_argument("device: cuda, but no CUDA device is visible (a CPU build of LibTorch, or no GPU/driver)");
  if (!cuda) return torch::kCPU;
  // One GPU per rank: the launcher starts as many ranks per node as there are GPUs.
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(local_rank % static_cast<int>(torch::cuda::device_count())));
}

// GTRAIN_DETERMINISTIC=1: deterministic kernels (CUDA's index_add and scatter otherwise sum with
// atomics in any order), so two GPU runs, or a run and its resume, give identical losses.
void use_deterministic_kernels_if_asked() {
  const char* d = std::getenv("GTRAIN_DETERMINISTIC");
  if (!d || std::string(d) != "1") return;
  ::setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", 0);
  at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/true);
  spdlog::info("deterministic algorithms on (GTRAIN_DETERMINISTIC=1)");
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

// The micro-batches of the optimizer step in progress, on this rank.
struct StepAccumulator {
  double loss = 0.0;
  int64_t samples = 0, micro = 0;
  bool bad = false;  // a loss that was not finite
};

// What happened since the last log line (losses and samples summed over the ranks).
struct LogWindow {
  Clock::time_point start = Clock::now();
  double loss = 0.0;
  int64_t micro = 0, samples = 0, steps = 0;
};

// One run of `gtrain train` on one rank. The constructor is the set-up, in the order that fixes
// the random draws (seed, model, data); run() is the epoch loop, then the best model's export
// and the test split.
class Trainer {
 public:
  Trainer(const TrainConfig& cfg, const TrainOptions& opts, dist::Group& group);
  TrainSummary run();

 private:
  void set_up_optimizer();
  void resume_from_checkpoint();
  void set_up_reducer();
  BatchPlan plan_of(int64_t epoch) const;
  bool train_epoch(int64_t epoch);  // true: stop (early stopping, the caller, a signal)
  // Forward, loss and (scaled) backward of this rank's share of one micro-batch; returns its
  // {real tokens, batch tensor tokens} for the padding line.
  std::pair<int64_t, int64_t> micro_batch(const std::vector<int64_t>& rows, int64_t epoch, int64_t bi);
  void optimizer_step(const std::vector<double>& stats);
  void log_step(int64_t epoch, double epoch_pos);
  bool evaluate_dev(double epoch_pos);  // true: stop
  bool end_at_max_steps(double epoch_pos);  // always true: stop
  void write_checkpoint();
  void stop_with_checkpoint(int signal_ranks);
  void finish();

  const TrainConfig& cfg_;
  const TrainOptions& opts_;
  dist::Group& group_;
  const int rank_, world_;
  const bool leader_;  // only rank 0 writes files
  const torch::Device device_;
  TrainSummary sum_;

  TrainModel tm_;
  std::unique_ptr<dist::Communicator> comm_;
  TrainingData data_;
  TrainOptimizer opt_;
  int accum_ = 1;
  int64_t global_micro_ = 0;  // examples per global micro-batch: batch_size on each rank
  int64_t micro_per_epoch_ = 0, total_steps_ = 0, warmup_ = 0;
  BatchPlan plan_;
  at::Generator mask_gen_;
  TrainState st_;
  std::unique_ptr<dist::GradReducer> reducer_;
  std::unique_ptr<LossScaler> scaler_;
  RunLogs logs_;
  std::unique_ptr<Progress> progress_;
  EvalOptions eo_;
  std::unique_ptr<DevEvaluation> dev_eval_;
  StepAccumulator acc_;
  LogWindow window_;
  Clock::time_point t_start_;
  double lr_factor_ = 1.0;
  bool stopped_mid_run_ = false;  // a signal or stop_after_steps: checkpointed, not finished
  bool resume_ = false;           // --resume, or --auto-resume with a checkpoint to resume
  std::string resumed_from_;      // the checkpoint it resumed from
  std::unique_ptr<FileLock> run_lock_;  // rank 0: output_dir is this run's while it lives
  int64_t last_checkpoint_step_ = -1;
};

Trainer::Trainer(const TrainConfig& cfg, const TrainOptions& opts, dist::Group& group)
    : cfg_(cfg), opts_(opts), group_(group), rank_(group.rank()), world_(group.size()), leader_(rank_ == 0),
      device_(pick_device(cfg.device, group.local_rank())) {
  group_.set_timeout_s(cfg.comm.timeout_s);
  check_precision(cfg.precision, device_);
  if (cfg.precision == Precision::FP16 && cfg.comm.compression == GradCompression::FP16)
    throw std::invalid_argument("comm.compression: fp16 with precision: fp16 sends loss-scaled gradients through fp16 "
                                "and overflows; use comm.compression: bf16 (or none)");
  install_stop_handlers();

  sum_.run_dir = cfg.output_dir;
  // A fresh run among an earlier run's checkpoints would prune its own and, resumed, continue the
  // other run. Rank 0 (the one that writes checkpoints) looks; every rank gets its answer, so all
  // refuse (or, with auto_resume, resume) together even where output_dir is not shared.
  auto newest_checkpoint = [&] {
    const std::vector<std::string> cks = leader_ ? list_checkpoints(cfg.output_dir) : std::vector<std::string>{};
    int64_t step = cks.empty() ? -1 : checkpoint_step(cks.back());
    group_.allreduce(&step, 1, dist::ReduceOp::Max, "checkpoint check");
    return step;
  };
  resume_ = opts.resume;
  if (!opts.resume && !opts.auto_resume) {  // refused before touching the folder (it may be another live run's)
    const int64_t newest = newest_checkpoint();
    if (newest >= 0)
      throw std::invalid_argument("output_dir " + cfg.output_dir + " holds checkpoint-" + std::to_string(newest) +
                                  " of an earlier run: continue it with --resume (or --auto-resume), or choose another "
                                  "output_dir, or remove its checkpoint-* folders");
  }
  if (leader_) {
    // One live run per folder: a second (a requeued job while the first is in its grace period, a
    // second terminal) would interleave metrics.jsonl and replace the other's checkpoints.
    run_lock_ = std::make_unique<FileLock>((fs::path(cfg.output_dir) / ".gtrain-run.lock").string(),
                                           "output_dir " + cfg.output_dir, FileLock::Busy::Refuse);
    fs::create_directories(cfg.output_dir);
    // What a killed run on this folder left half-written. A checkpoint it was replacing may be left
    // only as checkpoint-N.old.<pid>, which this moves back: auto_resume decides after it.
    clean_stale_temps(cfg.output_dir);
  }
  if (opts.auto_resume) resume_ = resume_ || newest_checkpoint() >= 0;
  if (leader_) {
    // A resume with another config (a --set, an edited file) is said, key by key, and the run's
    // earlier config is kept: config.yaml is replaced by the one this invocation trains with.
    const std::string saved = (fs::path(cfg.output_dir) / "config.yaml").string();
    if (resume_ && fs::exists(saved)) {
      const std::string before = read_text_file(saved);
      std::vector<std::string> changed;
      try {
        changed = yaml_differences(before, train_config_to_yaml(cfg));
      } catch (const std::exception&) {  // not YAML (a damaged file): kept aside whole
        changed = {"config.yaml is not readable YAML"};
      }
      if (!changed.empty()) {
        write_text_file_atomic(saved + ".previous", before);
        spdlog::warn("resuming with a config that differs from the run's: {} (the earlier one is kept as "
                     "config.yaml.previous)",
                     fmt::join(changed, "; "));
      }
    }
    save_resolved_config(cfg, saved);
  }
  torch::manual_seed(cfg.optim.seed);
  use_deterministic_kernels_if_asked();
  spdlog::info("torch: {} intra-op threads, device {}{}", configure_torch_threads(0, group.local_size()), device_.str(),
               world_ > 1 ? fmt::format(", rank {} of {} on {} (local rank {}, pid {})", rank_, world_, group.host(),
                                        group.local_rank(), ::getpid())
                          : "");

  const DataPaths paths = resolve_data_paths(cfg, group_);
  tm_ = build_train_model(cfg, device_);
  if (leader_) check_best_model_destination(cfg, tm_);  // the export at the end would refuse it
  if (world_ > 1) {  // rank 0's weights everywhere, checked
    comm_ = dist::make_communicator(group_, cfg.comm.backend, device_);
    std::vector<torch::Tensor> all;
    for (auto& kv : state_dict(*tm_.model)) all.push_back(kv.second);
    dist::broadcast_tensors(all, *comm_, 0);
    dist::check_same_on_all_ranks(all, group_, "initial parameter check");
    spdlog::info("dist: {} ranks, backend {}, initial weights broadcast from rank 0 and checked", world_, comm_->backend());
  }
  data_ = open_training_data(paths, cfg, *tm_.tok, *tm_.model);
  if (data_.dev && data_.dev->size() == 0)  // every rank opens the whole file: all refuse alike
    throw std::invalid_argument("data.dev: " + data_.dev->path() +
                                " holds no rows for the labels trained on (data.labels): nothing to evaluate on");
  set_up_optimizer();
  if (data_.dev && cfg.eval.every_steps > total_steps_)
    spdlog::warn("eval.every_steps {} is past the run's last step {}: the dev split is evaluated once, after the last "
                 "step",
                 cfg.eval.every_steps, total_steps_);
  mask_gen_ = at::detail::createCPUGenerator(cfg.optim.seed ^ 0x9E3779B97F4A7C15ULL);
  if (resume_) resume_from_checkpoint();
  st_.world_size = world_;
  st_.global_micro_batch = global_micro_;
  set_up_reducer();
  scaler_ = std::make_unique<LossScaler>(cfg.precision == Precision::FP16, st_.loss_scale, 2000,
                                         static_cast<int>(st_.loss_scale_good_steps), st_.skipped_steps);

  logs_ = RunLogs::open(cfg, leader_, resume_ ? st_.step : -1);
  progress_ = std::make_unique<Progress>(cfg.log.progress, total_steps_, leader_);
  eo_.thresholds.assign(cfg.eval.thresholds.begin(), cfg.eval.thresholds.end());
  eo_.batch_size = cfg.eval.batch_size;
  eo_.device = device_;
  eo_.group = world_ > 1 ? &group_ : nullptr;
  dev_eval_ = std::make_unique<DevEvaluation>(cfg, *tm_.model, data_.dev.get(), *data_.builder, eo_, logs_, leader_,
                                              opts.on_eval);
  if (resume_) dev_eval_->restore_best(resumed_from_, st_.best_step);
}

void Trainer::set_up_optimizer() {
  const OptimConfig& o = cfg_.optim;
  if (o.encoder_lr > 1 || o.head_lr > 1)
    spdlog::warn("learning rates {:.3g} (encoder) / {:.3g} (heads) are above 1: expect divergence (typo for e-?)",
                 o.encoder_lr, o.head_lr);
  opt_ = make_optimizer(*tm_.model, o);
  for (const auto& g : opt_.groups)
    spdlog::info("param group {}: {} tensors, {} elements, lr {:.1e}", g.name, g.tensors, g.elements, g.base_lr);
  accum_ = std::max(1, o.grad_accum);
  global_micro_ = static_cast<int64_t>(o.batch_size) * world_;
  plan_ = plan_of(0);
  micro_per_epoch_ = static_cast<int64_t>(plan_.batches.size());
  const int64_t steps_per_epoch = (micro_per_epoch_ + accum_ - 1) / accum_;
  total_steps_ = steps_per_epoch * o.epochs;
  const bool capped = opts_.max_steps > 0 && opts_.max_steps < total_steps_;
  if (capped) total_steps_ = opts_.max_steps;
  warmup_ = static_cast<int64_t>(o.warmup_ratio * static_cast<double>(total_steps_));
  spdlog::info("schedule: {} epochs x {} steps = {} steps{} ({} warmup), batch {} x {} rank(s) x accumulation {}",
               o.epochs, steps_per_epoch, steps_per_epoch * o.epochs,
               capped ? fmt::format(", ending after step {} (the step budget)", total_steps_) : std::string(), warmup_,
               o.batch_size, world_, accum_);
}

// The whole global micro-batch is cut here (token_budget likewise scaled by the ranks) and each
// rank takes its share (rank_share).
BatchPlan Trainer::plan_of(int64_t epoch) const {
  return global_train_batches(data_.train->lengths_tokens(), cfg_.optim.seed, epoch, cfg_.optim.batch_size,
                              cfg_.optim.token_budget, world_);
}

// Every rank reads the checkpoint (output_dir is on a shared filesystem).
void Trainer::resume_from_checkpoint() {
  auto cks = list_checkpoints(cfg_.output_dir);
  if (cks.empty()) throw std::runtime_error("--resume: no checkpoint-* in " + cfg_.output_dir);
  resumed_from_ = cks.back();
  st_ = load_checkpoint(resumed_from_, *tm_.model, opt_.adamw.get(), &mask_gen_);
  last_checkpoint_step_ = st_.step;
  if (st_.world_size != world_ || (st_.global_micro_batch > 0 && st_.global_micro_batch != global_micro_)) {
    // The epoch's plan is cut for another global batch: continue after as many examples as
    // were consumed (this epoch may repeat or skip a few; the next ones are exact again).
    const int64_t consumed = st_.batch_in_epoch * (st_.global_micro_batch > 0 ? st_.global_micro_batch : global_micro_);
    const int64_t bi = std::min<int64_t>(micro_per_epoch_, consumed / global_micro_);
    spdlog::warn("resuming a checkpoint written by {} rank(s) (global micro-batch {}) on {} rank(s) (global micro-batch "
                 "{}): epoch {} continues at micro-batch {} of {}",
                 st_.world_size, st_.global_micro_batch, world_, global_micro_, st_.epoch + 1, bi, micro_per_epoch_);
    st_.batch_in_epoch = bi;
    // The steps already taken were steps of the other global batch: the schedule ends where this
    // run's remaining micro-batches end, so the rate decays over them (it stayed at 0 past a
    // total recomputed for the new batch).
    const int64_t steps_per_epoch = (micro_per_epoch_ + accum_ - 1) / accum_;
    // A step ends at every accum_-th micro-batch of an epoch: bi / accum_ of this epoch's are done.
    const int64_t remaining = (cfg_.optim.epochs - st_.epoch) * steps_per_epoch - bi / accum_;
    total_steps_ = st_.step + std::max<int64_t>(remaining, 0);
    spdlog::warn("the learning-rate schedule now ends at step {} ({} more steps of the new global batch)", total_steps_,
                 remaining);
  }
  spdlog::info("resumed from {} (step {}, epoch {}, batch {})", cks.back(), st_.step, st_.epoch + 1, st_.batch_in_epoch);
  // The count is the run's steps from its start: repeated unchanged after a resume it would take
  // one step per job and stop again.
  if (opts_.stop_after_steps > 0 && st_.step >= opts_.stop_after_steps)
    throw InputError("", 0, "--stop-after-steps",
                     std::to_string(opts_.stop_after_steps) + " is not past step " + std::to_string(st_.step) +
                         " that the run resumed at (the count is the run's optimizer steps from its start): give a "
                         "later step");
}

void Trainer::set_up_reducer() {
  if (world_ <= 1) return;
  dist::ReducerOptions ro;
  ro.bucket_mb = cfg_.comm.bucket_mb;
  ro.first_bucket_mb = std::min(1.0, cfg_.comm.bucket_mb);
  ro.overlap = cfg_.comm.overlap;
  ro.wire_dtype = cfg_.comm.compression == GradCompression::FP16   ? torch::kHalf
                  : cfg_.comm.compression == GradCompression::BF16 ? torch::kBFloat16
                                                                   : torch::kFloat;
  ro.grad_scale = 1.0;  // the loss sums over examples: the sum over ranks is the global-batch gradient
  reducer_ = std::make_unique<dist::GradReducer>(opt_.params, *comm_, ro);
  spdlog::info("dist: {} gradient buckets ({} MiB, overlap {}, wire {})", reducer_->num_buckets(), cfg_.comm.bucket_mb,
               cfg_.comm.overlap ? "on" : "off", compression_name(cfg_.comm.compression));
}

TrainSummary Trainer::run() {
  t_start_ = Clock::now();
  window_ = LogWindow{};
  bool stop = resume_ && (dev_eval_->patience_exhausted(st_) || (opts_.max_steps > 0 && st_.step >= opts_.max_steps));
  if (stop)
    spdlog::info("the resumed run had already stopped (early stopping or its step budget): finishing it");
  for (int64_t epoch = st_.epoch; epoch < cfg_.optim.epochs && !stop; ++epoch) {
    stop = train_epoch(epoch);
    if (stopped_mid_run_) return sum_;
  }
  finish();
  return sum_;
}

bool Trainer::train_epoch(int64_t epoch) {
  st_.epoch = epoch;
  if (epoch != 0) plan_ = plan_of(epoch);
  const int64_t nb = static_cast<int64_t>(plan_.batches.size());
  int64_t real_tokens = 0, batch_tokens = 0;  // this rank's: the padding share
  bool stop = false;
  acc_ = StepAccumulator{};
  for (int64_t bi = st_.batch_in_epoch; bi < nb && !stop; ++bi) {
    const bool step_end = (bi + 1) % accum_ == 0 || bi + 1 == nb;
    // Dropout draws: rank 0 continues the default generator (saved in checkpoints); the others
    // get a stream per optimizer step, so a resumed run draws what the uninterrupted one did.
    if (rank_ > 0 && bi % accum_ == 0) torch::manual_seed(masking_seed(cfg_.optim.seed + 1, st_.step, 0, rank_));
    const std::vector<int64_t> mine = rank_share(plan_.batches[static_cast<size_t>(bi)], rank_, world_);
    if (step_end && reducer_) reducer_->prepare();
    if (!mine.empty()) {  // a rank whose share is empty still joins the all-reduce (with zeros)
      const auto [real, total] = micro_batch(mine, epoch, bi);
      real_tokens += real;
      batch_tokens += total;
    }
    ++acc_.micro;
    if (!step_end) continue;

    if (reducer_) reducer_->finish();
    // One small all-reduce per step: losses, samples, divergence and stop requests of all ranks.
    std::vector<double> stats = {acc_.loss, static_cast<double>(acc_.samples), acc_.bad ? 1.0 : 0.0,
                                 stop_signal_number().load() ? 1.0 : 0.0};
    group_.allreduce(stats, dist::ReduceOp::Sum, "step statistics all-reduce");
    optimizer_step(stats);
    st_.batch_in_epoch = bi + 1;
    maybe_inject_fault(rank_, st_.step);
    window_.loss += stats[0];
    window_.micro += acc_.micro;
    window_.samples += static_cast<int64_t>(stats[1]);
    ++window_.steps;
    acc_ = StepAccumulator{};

    const double epoch_pos = epoch + static_cast<double>(bi + 1) / nb;
    log_step(epoch, epoch_pos);
    if (cfg_.eval.every_steps > 0 && st_.step % cfg_.eval.every_steps == 0) stop = evaluate_dev(epoch_pos);
    if (cfg_.checkpoint.every_steps > 0 && st_.step % cfg_.checkpoint.every_steps == 0) write_checkpoint();
    if (stats[3] > 0 || (opts_.stop_after_steps > 0 && st_.step >= opts_.stop_after_steps)) {
      stop_with_checkpoint(static_cast<int>(stats[3]));
      return true;
    }
    if (opts_.max_steps > 0 && st_.step >= opts_.max_steps) return end_at_max_steps(epoch_pos);
  }
  if (batch_tokens > 0)
    spdlog::info("epoch {}: padding {:.1f}% of the batch tensors ({} real tokens of {}; optim.token_budget {})",
                 epoch + 1,
                 100.0 * static_cast<double>(batch_tokens - real_tokens) / static_cast<double>(batch_tokens),
                 real_tokens, batch_tokens, cfg_.optim.token_budget);
  if (stop) return true;
  st_.batch_in_epoch = 0;
  st_.epoch = epoch + 1;
  // With eval.every_steps, the last epoch ends with an evaluation too when no multiple of it fell
  // on the last step: the steps since the last one would otherwise never be scored.
  const bool last = st_.epoch == cfg_.optim.epochs;
  if (cfg_.eval.every_steps == 0 || (last && st_.step % cfg_.eval.every_steps != 0))
    stop = evaluate_dev(static_cast<double>(epoch + 1));
  if (cfg_.checkpoint.every_steps == 0) write_checkpoint();
  return stop;
}

std::pair<int64_t, int64_t> Trainer::micro_batch(const std::vector<int64_t>& mine, int64_t epoch, int64_t bi) {
  std::vector<PreparedExample> rows = data_.train->get_many(mine);
  Gliner2Batch batch = data_.builder->build(rows);
  const std::pair<int64_t, int64_t> tokens{batch.real_tokens, batch.input_ids.numel()};
  batch.input_ids = batch.input_ids.to(device_);
  batch.attention_mask = batch.attention_mask.to(device_);
  Gliner2ForwardOptions fo;
  fo.count_logits = false;
  Gliner2LossOptions lo;
  mask_gen_.set_current_seed(masking_seed(cfg_.optim.seed, epoch, bi, rank_));
  lo.generator = mask_gen_;
  lo.masking_rate = cfg_.optim.negative_masking_rate;
  torch::Tensor loss;
  with_torch_context(
      [&] {
        return "training step " + std::to_string(st_.step) + " (epoch " + std::to_string(epoch) + ", " +
               describe_rows(mine, data_.train->path()) + ")";
      },
      [&] {
        {
          AutocastScope autocast(cfg_.precision, device_);
          Gliner2Output out = tm_.model->forward(batch, fo);
          loss = tm_.model->loss(out, batch, lo).total;
        }
        InPlaceGradAccumulation in_place;  // later micro-batches add into the gradients (model/accumulate_grad.h)
        (scaler_->enabled() ? loss * (scaler_->scale() / accum_) : loss / static_cast<double>(accum_)).backward();
      });
  const double lv = loss.item<double>();
  acc_.bad |= !std::isfinite(lv);
  acc_.loss += lv;
  acc_.samples += static_cast<int64_t>(rows.size());
  return tokens;
}

// stats: the step's all-reduced {loss, samples, ranks with a non-finite loss, ranks signalled}.
void Trainer::optimizer_step(const std::vector<double>& stats) {
  if (stats[2] > 0 && !scaler_->enabled())
    throw std::runtime_error("loss is not finite at step " + std::to_string(st_.step) +
                             " (diverged: lower the learning rate)");
  lr_factor_ = lr_factor(cfg_.optim.schedule, st_.step, warmup_, total_steps_);
  opt_.set_lr_factor(lr_factor_);
  const bool finite = scaler_->unscale_and_check(opt_.params);
  if (!scaler_->enabled() && cfg_.comm.compression == GradCompression::FP16 && world_ > 1 && !grads_finite(opt_.params))
    throw std::runtime_error("gradients not finite after the fp16 all-reduce at step " + std::to_string(st_.step) +
                             " (fp16 tops out at 65504): use comm.compression: bf16");
  if (finite) {
    if (cfg_.optim.max_grad_norm > 0) torch::nn::utils::clip_grad_norm_(opt_.params, cfg_.optim.max_grad_norm);
    opt_.step();
  } else {
    spdlog::warn("step {}: gradients overflowed at loss scale {:.0f}; step skipped", st_.step, scaler_->scale());
  }
  scaler_->update(finite);
  release_gradients(opt_.params);  // set to none; the embedding table's kept for the next backward
  ++st_.step;
}

// The progress line every step; metrics, TensorBoard and the reducer's time split every
// log.every_steps.
void Trainer::log_step(int64_t epoch, double epoch_pos) {
  const bool log_now = st_.step % std::max<int64_t>(1, cfg_.log.every_steps) == 0;
  const double dt = seconds_since(window_.start);
  const double mean_loss = window_.loss / static_cast<double>(std::max<int64_t>(1, window_.micro));
  const double lr_head = opt_.groups.back().base_lr * lr_factor_;
  const double samples_per_s = window_.samples / std::max(dt, 1e-9);
  progress_->update(epoch, cfg_.optim.epochs, st_.step, mean_loss, lr_head, samples_per_s, seconds_since(t_start_),
                    log_now);
  if (!log_now) return;
  const double lr_encoder = cfg_.optim.encoder_lr * lr_factor_;  // one schedule factor for both rates
  std::vector<std::pair<std::string, double>> m = {
      {"loss", mean_loss}, {"lr_encoder", lr_encoder}, {"lr_head", lr_head}, {"samples_per_s", samples_per_s}};
  if (scaler_->enabled()) m.push_back({"loss_scale", scaler_->scale()});
  if (reducer_) {  // where a step's time went (this rank; rank 0 logs)
    const double n = static_cast<double>(window_.steps);
    const dist::ReducerStats& rs = reducer_->stats();
    const double step_ms = dt / n * 1e3, comm_ms = rs.comm_s / n * 1e3, exposed_ms = rs.exposed_s / n * 1e3;
    spdlog::info("step time {:.1f} ms: compute {:.1f} ms, communication {:.1f} ms of which exposed {:.1f} ms "
                 "({} buckets, overlap {})",
                 step_ms, step_ms - exposed_ms, comm_ms, exposed_ms, reducer_->num_buckets(),
                 cfg_.comm.overlap ? "on" : "off");
    m.insert(m.end(), {{"step_ms", step_ms}, {"comm_ms", comm_ms}, {"exposed_comm_ms", exposed_ms}});
    reducer_->reset_stats();
  }
  if (logs_.metrics) logs_.metrics->log(st_.step, epoch_pos, "train", m);
  if (logs_.tb)
    logs_.tb->add_scalars(st_.step, {{"train/loss", mean_loss}, {"train/lr_encoder", lr_encoder}, {"train/lr_head", lr_head}});
  window_ = LogWindow{};
}

bool Trainer::evaluate_dev(double epoch_pos) {
  progress_->end_line();
  const DevEvaluation::Verdict v = dev_eval_->run(st_, epoch_pos);
  if (v == DevEvaluation::Verdict::StoppedByCaller) sum_.stopped_by_callback = true;
  // Said here, where it is decided: an evaluation every N steps may stop the run mid-epoch.
  if (v == DevEvaluation::Verdict::EarlyStop)
    spdlog::info("early stopping at step {}: no improvement in {} evaluations", st_.step, st_.evals_without_improvement);
  return v != DevEvaluation::Verdict::Continue;
}

// TrainOptions::max_steps reached: the dev evaluation of this step (unless eval.every_steps just
// ran it), then training ends as at the end of its epochs.
bool Trainer::end_at_max_steps(double epoch_pos) {
  if (!(cfg_.eval.every_steps > 0 && st_.step % cfg_.eval.every_steps == 0)) evaluate_dev(epoch_pos);
  spdlog::info("training ends at step {} (its step budget)", st_.step);
  return true;
}

void Trainer::write_checkpoint() {
  st_.loss_scale = scaler_->scale();
  st_.loss_scale_good_steps = scaler_->good_steps();
  st_.skipped_steps = scaler_->skipped_steps();
  last_checkpoint_step_ = st_.step;
  if (!leader_) return;
  const std::string dir = checkpoint_dir(cfg_.output_dir, st_.step);
  save_checkpoint(dir, *tm_.model, *opt_.adamw, st_, mask_gen_, dev_eval_->best_files(st_));
  std::vector<std::string> keep = {dir};
  if (cfg_.checkpoint.keep_best && st_.best_step >= 0)  // when a checkpoint was written at that step
    keep.push_back(checkpoint_dir(cfg_.output_dir, st_.best_step));
  prune_checkpoints(cfg_.output_dir, cfg_.checkpoint.keep_last, keep);
}

// A signal (on signal_ranks ranks) or stop_after_steps: checkpoint and leave, to be resumed.
void Trainer::stop_with_checkpoint(int signal_ranks) {
  progress_->end_line();
  // Not again when checkpoint.every_steps just wrote this step's: a second write moves the first
  // aside, and a kill in between would leave only the .old copy.
  if (last_checkpoint_step_ != st_.step) write_checkpoint();
  group_.barrier("barrier after the final checkpoint");
  sum_.steps = st_.step;
  if (signal_ranks > 0) {
    sum_.stop_signal = stop_signal_number().load() ? stop_signal_number().load() : SIGTERM;
    spdlog::warn("stop requested (signal on {} rank(s)): stopped after step {}, checkpoint written; continue "
                 "with --resume",
                 signal_ranks, st_.step);
  } else {
    spdlog::info("stopped after {} steps (checkpoint written; continue with --resume)", st_.step);
  }
  stopped_mid_run_ = true;
}

// The best model exported (rank 0), then scored on the test split at its dev threshold.
void Trainer::finish() {
  progress_->end_line();
  clear_kept_gradients();  // no backward after the last step: the kept table gradient is free memory
  st_.finished = true;
  sum_.steps = st_.step;
  sum_.epochs_trained =
      static_cast<double>(st_.epoch) + (micro_per_epoch_ > 0 && st_.batch_in_epoch > 0 && st_.epoch < cfg_.optim.epochs
                                            ? static_cast<double>(st_.batch_in_epoch) / static_cast<double>(micro_per_epoch_)
                                            : 0.0);
  sum_.best_score = st_.best_score;
  sum_.best_threshold = st_.best_threshold;
  sum_.best_model_dir = export_best_model(cfg_, tm_, dev_eval_->best_weights(), st_, data_.train->meta(), leader_);
  if (data_.test) {
    const TestScore t =
        score_test_split(cfg_, *tm_.model, *data_.test, *data_.builder, eo_, st_.best_threshold, leader_);
    sum_.test_micro_f1 = t.micro_f1;
    sum_.report_path = t.report_path;
    if (leader_)
      std::printf("test micro-F1 at threshold %.2f: %.4f\nreport: %s\nmodel:  %s\n", st_.best_threshold,
                  sum_.test_micro_f1, sum_.report_path.c_str(), sum_.best_model_dir.c_str());
  }
  group_.barrier("barrier at the end of training");
}

}  // namespace

TrainSummary run_training(const TrainConfig& cfg, const TrainOptions& opts) {
  dist::Group alone;
  Trainer trainer(cfg, opts, opts.group ? *opts.group : alone);
  return trainer.run();
}

}  // namespace gtrain
