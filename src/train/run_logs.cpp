#include "train/run_logs.h"

#include <filesystem>
#include <sstream>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "io/atomic_file.h"
#include "io/read_text_file.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {

// The rows of an existing metrics.jsonl to keep: on a resume those up to the checkpoint's step
// (a half-written last line of a killed run is dropped too); on a fresh start none.
void prepare_metrics_file(const std::string& path, int64_t resumed_step) {
  if (!fs::exists(path)) return;
  const std::string old = read_text_file(path);
  if (old.empty()) return;
  if (resumed_step < 0) {
    write_text_file_atomic(path + ".previous", old);
    write_text_file_atomic(path, "");
    spdlog::warn("{} held an earlier run's rows: kept as {}.previous", path, path);
    return;
  }
  std::string kept;
  int64_t dropped = 0;
  std::istringstream lines(old);
  for (std::string line; std::getline(lines, line);) {
    const nlohmann::json row = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (row.is_object() && row.contains("step") && row["step"].is_number_integer() &&
        row["step"].get<int64_t>() <= resumed_step)
      kept += line + "\n";
    else
      ++dropped;
  }
  if (dropped == 0) return;
  write_text_file_atomic(path, kept);
  spdlog::info("{}: {} row(s) logged after step {} dropped (those steps are trained again)", path, dropped,
               resumed_step);
}

}  // namespace

RunLogs RunLogs::open(const TrainConfig& cfg, bool leader, int64_t resumed_step) {
  RunLogs l;
  if (!leader) return l;
  const fs::path dir(cfg.output_dir);
  const std::string metrics = (dir / "metrics.jsonl").string();
  prepare_metrics_file(metrics, resumed_step);
  l.metrics = std::make_unique<MetricsLog>(metrics);
  if (cfg.log.tensorboard) l.tb = std::make_unique<TensorBoardWriter>((dir / "tensorboard").string());
  return l;
}

}  // namespace gtrain
