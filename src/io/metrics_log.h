// metrics.jsonl: one JSON object per line, appended and flushed record by record, e.g.
//   {"step":1200,"epoch":3,"split":"train","loss":0.4123,"lr_encoder":2.5e-05,"lr_head":6.25e-04,…}
//   {"step":1200,"epoch":3,"split":"dev","precision":0.81,"recall":0.79,"f1":0.8}
// Keys come in this order: step, epoch, split, then the values in the order given.
// "epoch" is written as an integer when it is whole (3) and as a number otherwise (2.5).
// Non-finite values (NaN, inf) have no JSON spelling and are written as null.
// Each line is complete and flushed before log() returns, so the file can be tailed or read
// (pandas.read_json(path, lines=True), jq) while training runs; an existing file is appended to.
#pragma once
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace gtrain {

class MetricsLog {
 public:
  // Opens `path` for appending (creating it and its parent directories). Throws
  // std::runtime_error naming the path on failure.
  explicit MetricsLog(const std::string& path);
  ~MetricsLog();  // closes; never throws
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  // Appends one line. split: "train" or "dev" by convention (any non-empty string is accepted).
  // Throws std::invalid_argument for an empty split, an empty or reserved value name ("step",
  // "epoch", "split") or a name given twice; std::runtime_error on I/O failure.
  void log(int64_t step, double epoch, const std::string& split,
           const std::vector<std::pair<std::string, double>>& values);

  void close();  // idempotent; later log() calls throw
  const std::string& path() const { return path_; }

 private:
  std::mutex mu_;
  std::string path_;
  std::FILE* f_ = nullptr;
};

}  // namespace gtrain
