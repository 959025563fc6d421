#include "config/prepared_data.h"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "data/prepare.h"
#include "io/file_lock.h"

namespace fs = std::filesystem;

namespace gtrain {

DataPaths resolve_prepared_data(const TrainConfig& cfg) {
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

bool names_dev_split(const TrainConfig& cfg) {
  if (!cfg.data.dev.empty()) return true;
  if (!cfg.data.prepare) return false;
  if (cfg.data.prepare->dev_fraction > 0) return true;
  for (const PrepareInput& in : cfg.data.prepare->inputs)
    if (in.split == "dev") return true;
  return false;
}

}  // namespace gtrain
