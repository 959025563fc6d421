#include "io/metrics_log.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <unordered_set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace gtrain {

MetricsLog::MetricsLog(const std::string& path) : path_(path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(parent, ec);
    if (ec) throw std::runtime_error("metrics log: cannot create directory " + parent.string() + ": " + ec.message());
  }
  f_ = std::fopen(path.c_str(), "ab");
  if (!f_) throw std::runtime_error("metrics log: cannot open " + path + ": " + std::strerror(errno));
}

MetricsLog::~MetricsLog() {
  try {
    close();
  } catch (const std::exception& e) {
    spdlog::warn("{}", e.what());
  }
}

void MetricsLog::log(int64_t step, double epoch, const std::string& split,
                     const std::vector<std::pair<std::string, double>>& values) {
  if (split.empty()) throw std::invalid_argument("metrics log: empty split");
  nlohmann::ordered_json rec;
  rec["step"] = step;
  if (std::isfinite(epoch) && epoch == std::floor(epoch) && std::fabs(epoch) < 9.0e15)
    rec["epoch"] = static_cast<int64_t>(epoch);
  else
    rec["epoch"] = epoch;  // nlohmann writes non-finite numbers as null
  rec["split"] = split;
  std::unordered_set<std::string> seen;
  for (const auto& [name, value] : values) {
    if (name.empty() || name == "step" || name == "epoch" || name == "split")
      throw std::invalid_argument("metrics log: reserved or empty value name '" + name + "'");
    if (!seen.insert(name).second)
      throw std::invalid_argument("metrics log: value name '" + name + "' given twice");
    if (std::isfinite(value))
      rec[name] = value;
    else
      rec[name] = nullptr;
  }
  // Invalid UTF-8 in a name is replaced rather than thrown mid-training.
  const std::string line =
      rec.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";

  std::lock_guard<std::mutex> lock(mu_);
  if (!f_) throw std::runtime_error("metrics log: write after close: " + path_);
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0)
    throw std::runtime_error("metrics log: write failed: " + path_ + ": " + std::strerror(errno));
}

void MetricsLog::close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!f_) return;
  std::FILE* f = f_;
  f_ = nullptr;
  if (std::fclose(f) != 0)
    throw std::runtime_error("metrics log: closing " + path_ + " failed: " + std::strerror(errno));
}

}  // namespace gtrain
