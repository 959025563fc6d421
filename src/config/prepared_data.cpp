#include "config/prepared_data.h"

#include <filesystem>
#include <fstream>

#include <spdlog/spdlog.h>

#include "data/prepare.h"
#include "io/atomic_file.h"
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
  // The folder keeps the key it was prepared for: a cache folder is named after its key, but an
  // `output` folder would otherwise be reused after the section changed (another max_length,
  // other inputs) without a word.
  const std::string key = prepare_cache_key(*cfg.data.prepare);
  const fs::path key_file = fs::path(dir) / kPrepareKeyFile;
  std::string stored;
  if (std::ifstream f{key_file}) std::getline(f, stored);
  const bool have = fs::exists(fs::path(dir) / "train.h5");
  if (have && stored == key) {
    spdlog::info("prepared data: {} (cached; delete it to prepare again)", dir);
  } else {
    if (have)
      spdlog::info("prepared data: {} was prepared {}: preparing again", dir,
                   stored.empty() ? "without a record of its data.prepare section" : "for another data.prepare section");
    PrepareConfig pc = *cfg.data.prepare;
    pc.output_dir = dir;
    PrepareReport rep = prepare(pc);
    write_text_file_atomic(key_file.string(), key + "\n");
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
