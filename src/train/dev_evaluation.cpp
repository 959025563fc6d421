#include "train/dev_evaluation.h"

#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "io/atomic_file.h"
#include "model/state_dict.h"
#include "model/tensor_io.h"
#include "train/runtime_info.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {

// In output_dir: the best weights so far (the export takes them) and their dev report.
constexpr const char* kBestState = "best_state.safetensors";
constexpr const char* kDevReport = "dev_report.json";

double metric_of(const ThresholdScores& s, double loss, const std::string& metric) {
  if (metric == "macro_f1") return s.macro.f1;
  if (metric == "micro_precision") return s.micro.precision;
  if (metric == "micro_recall") return s.micro.recall;
  if (metric == "loss") return -loss;  // higher is better everywhere else
  return s.micro.f1;
}

}  // namespace

DevEvaluation::DevEvaluation(const TrainConfig& cfg, ExtractorImpl& model, PreparedReader* dev, BatchBuilder& builder,
                             EvalOptions eo, RunLogs& logs, bool leader, OnEval on_eval)
    : cfg_(cfg), model_(model), dev_(dev), builder_(builder), eo_(std::move(eo)), logs_(logs), leader_(leader),
      on_eval_(std::move(on_eval)) {}

std::vector<std::string> DevEvaluation::best_files(const TrainState& st) const {
  std::vector<std::string> files;
  if (st.best_step < 0) return files;
  for (const char* name : {kBestState, kDevReport}) {
    const fs::path f = fs::path(cfg_.output_dir) / name;
    if (fs::exists(f)) files.push_back(f.string());
  }
  return files;
}

void DevEvaluation::restore_best(const std::string& checkpoint_dir, int64_t best_step) {
  // Before the checkpoint's first evaluation: a best_state.safetensors in output_dir is from
  // after it (a killed run), not this state's; the next evaluation writes a new one.
  if (best_step < 0) return;
  const fs::path kept = fs::path(checkpoint_dir) / kBestState;
  const fs::path current = fs::path(cfg_.output_dir) / kBestState;
  if (fs::exists(kept)) {
    best_weights_ = load_safetensors(kept.string());
    if (leader_)
      for (const char* name : {kBestState, kDevReport})
        if (fs::exists(fs::path(checkpoint_dir) / name))
          link_file_atomic((fs::path(checkpoint_dir) / name).string(), (fs::path(cfg_.output_dir) / name).string());
  } else if (fs::exists(current)) {
    spdlog::warn("{} keeps no best weights (written by an older gtrain): taking {}, which a run killed after a later "
                 "improvement than step {} may have replaced",
                 checkpoint_dir, current.string(), best_step);
    best_weights_ = load_safetensors(current.string());
  } else {
    spdlog::warn("the best weights of step {} are not in {} nor in {}: the last weights will be exported", best_step,
                 checkpoint_dir, cfg_.output_dir);
  }
}

DevEvaluation::Verdict DevEvaluation::run(TrainState& st, double epoch_pos) {
  if (!dev_) return Verdict::Continue;
  const auto t0 = std::chrono::steady_clock::now();
  EvalResult r = evaluate(model_, *dev_, builder_, eo_);
  // The threshold the metric is best at for macro-F1; micro-F1's for the others (the loss does not
  // depend on it, and precision alone or recall alone would pick the strictest or the loosest).
  const size_t bi = cfg_.early_stopping.metric == "macro_f1" ? r.sweep.best_macro_index() : r.sweep.best_index();
  const ThresholdScores s = r.sweep.scores(bi);
  const double score = metric_of(s, r.loss, cfg_.early_stopping.metric);
  spdlog::info("eval step {}: loss {:.4f} micro-F1 {:.4f} (P {:.4f} R {:.4f}) macro-F1 {:.4f} at threshold {:.2f} ({:.1f} s)",
               st.step, r.loss, s.micro.f1, s.micro.precision, s.micro.recall, s.macro.f1, r.sweep.thresholds()[bi],
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  if (logs_.metrics)
    logs_.metrics->log(st.step, epoch_pos, "dev",
                       {{"loss", r.loss}, {"micro_f1", s.micro.f1}, {"macro_f1", s.macro.f1},
                        {"micro_precision", s.micro.precision}, {"micro_recall", s.micro.recall},
                        {"threshold", r.sweep.thresholds()[bi]}});
  if (logs_.tb)
    logs_.tb->add_scalars(st.step, {{"dev/loss", r.loss}, {"dev/micro_f1", s.micro.f1}, {"dev/macro_f1", s.macro.f1}});
  if (eo_.device.is_cuda()) log_gpu_memory_peak(st.step, epoch_pos);
  // The first evaluation is always the best so far (for the loss metric scores are negative).
  if (st.best_step < 0 || score > st.best_score + cfg_.early_stopping.min_delta) {
    st.best_score = score;
    keep_as_best(st, r, bi);
  } else {
    ++st.evals_without_improvement;
  }
  if (on_eval_ && !on_eval_(st.step, epoch_pos, score)) {
    spdlog::info("stopped at step {} by the caller (e.g. a sweep's ASHA rung)", st.step);
    return Verdict::StoppedByCaller;
  }
  return patience_exhausted(st) ? Verdict::EarlyStop : Verdict::Continue;
}

bool DevEvaluation::patience_exhausted(const TrainState& st) const {
  return cfg_.early_stopping.patience > 0 && st.evals_without_improvement >= cfg_.early_stopping.patience;
}

void DevEvaluation::keep_as_best(TrainState& st, const EvalResult& r, size_t best_threshold) {
  st.best_threshold = r.sweep.thresholds()[best_threshold];
  st.best_step = st.step;
  st.evals_without_improvement = 0;
  best_weights_.clear();  // host copies: the best model must not cost device memory
  for (auto& [n, t] : state_dict(model_)) best_weights_[n] = t.detach().to(torch::kCPU, false, /*copy=*/true);
  if (!leader_) return;
  save_safetensors((fs::path(cfg_.output_dir) / kBestState).string(),
                   std::vector<std::pair<std::string, torch::Tensor>>(best_weights_.begin(), best_weights_.end()));
  write_eval_report((fs::path(cfg_.output_dir) / kDevReport).string(), r.sweep,
                    {{"step", st.step}, {"split", "dev"}});
}

// The peak since the previous evaluation: what the training steps and this evaluation held.
void DevEvaluation::log_gpu_memory_peak(int64_t step, double epoch_pos) {
  auto m = gpu_memory_peak(eo_.device.index());
  if (!m) return;
  spdlog::info("GPU memory peak since the last evaluation: {:.0f} MiB allocated, {:.0f} MiB reserved",
               m->allocated_mib, m->reserved_mib);
  if (logs_.metrics)
    logs_.metrics->log(step, epoch_pos, "gpu",
                       {{"peak_allocated_mib", m->allocated_mib}, {"peak_reserved_mib", m->reserved_mib}});
  reset_gpu_memory_peak(eo_.device.index());
}

}  // namespace gtrain
