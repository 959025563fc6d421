#include "train/best_model.h"

#include <algorithm>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "io/atomic_file.h"
#include "io/sha256.h"
#include "model/hf_checkpoint.h"
#include "model/lora.h"
#include "model/state_dict.h"

namespace fs = std::filesystem;

namespace gtrain {

void check_best_model_destination(const TrainConfig& cfg, const TrainModel& tm) {
  try {
    check_model_destination((fs::path(cfg.output_dir) / "best").string(), tm.tokenizer_dir);
  } catch (const std::exception& e) {
    throw std::invalid_argument(std::string("output_dir: the best model could not be exported there: ") + e.what());
  }
}

std::string export_best_model(const TrainConfig& cfg, TrainModel& tm, const std::map<std::string, torch::Tensor>& best_weights,
                              const TrainState& st, const PreparedMeta& meta, bool leader) {
  ExtractorImpl& model = *tm.model;
  if (!best_weights.empty()) load_state(model, best_weights, "", true);
  // What predict needs beyond GLiNER2's files (units, threshold, labels, windows).
  // The metric's value (best_score is what is maximised: the loss negated).
  const double score = cfg.early_stopping.metric == "loss" ? -st.best_score : st.best_score;
  const nlohmann::json j = {{"threshold", st.best_threshold}, {"step", st.best_step}, {"score", score},
                            {"metric", cfg.early_stopping.metric}, {"labels", meta.labels},
                            {"label_descriptions", meta.label_descriptions}, {"unit_mode", meta.unit_mode},
                            {"max_length", meta.max_length},
                            {"window_stride", meta.window_stride >= 0 ? meta.window_stride
                                              : cfg.data.prepare       ? cfg.data.prepare->window_stride
                                                                       : 16}};  // files before it recorded it
  if (cfg.model.lora.enabled) {  // the adapters alone, then merged into the exported weights
    if (leader) {
      const fs::path adapters = fs::path(cfg.output_dir) / "best_adapters";
      save_lora_adapters(model, adapters.string(), tm.lora);
      // `gtrain export BASE --adapters best_adapters` carries it into the merged model.
      write_text_file_atomic((adapters / "gtrain.json").string(), j.dump(2) + "\n");
      // Which base they were trained on: export refuses to merge them into another (same shapes,
      // other weights: a model that was never trained, scored as if it were).
      const fs::path base_weights = fs::path(cfg.model.source) / "model.safetensors";
      if (!cfg.model.source.empty() && fs::exists(base_weights))
        write_text_file_atomic((adapters / kLoraBaseFile).string(),
                               nlohmann::json{{"path", cfg.model.source},
                                              {"model_safetensors_sha256", sha256_file_hex(base_weights.string())}}
                                       .dump(2) +
                                   "\n");
    }
    merge_lora(model);
  }
  const std::string dir = (fs::path(cfg.output_dir) / "best").string();
  if (!leader) return dir;
  Gliner2ExportOptions eo;
  eo.gtrain_json = j.dump(2) + "\n";  // in the same atomic step as the weights
  export_gliner2_checkpoint(model, tm.tokenizer_dir, dir, eo);
  spdlog::info("best model (step {}, dev {} {:.4f}, threshold {:.2f}): {}", st.best_step, cfg.early_stopping.metric,
               score, st.best_threshold, dir);
  return dir;
}

TestScore score_test_split(const TrainConfig& cfg, ExtractorImpl& model, PreparedReader& test, BatchBuilder& builder,
                           const EvalOptions& eo, double threshold, bool leader) {
  // The threshold the model ships with is scored exactly, also when it is not one of the sweep's
  // (no dev split: the default 0.5).
  EvalOptions with_threshold = eo;
  with_threshold.thresholds = ThresholdSweep::with_threshold(eo.thresholds, static_cast<float>(threshold));
  EvalResult r = evaluate(model, test, builder, with_threshold);
  const size_t ti = r.sweep.index_of(static_cast<float>(threshold));
  TestScore out;
  out.micro_f1 = r.sweep.scores(ti).micro.f1;
  out.report_path = (fs::path(cfg.output_dir) / "eval_report.json").string();
  if (leader) {
    write_eval_report(out.report_path, r.sweep, {{"split", "test"}, {"dev_threshold", threshold}});
    write_text_file_atomic((fs::path(cfg.output_dir) / "eval_report.md").string(), markdown_report(r.sweep));
    std::printf("\nTest split (%s), threshold sweep (the tables mark the test split's own best threshold):\n%s\n",
                test.path().c_str(), text_report(r.sweep).c_str());
  }
  return out;
}

}  // namespace gtrain
