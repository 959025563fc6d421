#include "train/progress.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include <spdlog/spdlog.h>

namespace gtrain {

namespace {

std::string fmt_time(double s) {
  char b[32];
  std::snprintf(b, sizeof b, "%d:%02d", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return b;
}

}  // namespace

Progress::Progress(ProgressMode mode, int64_t total_steps, bool enabled) : total_(total_steps), enabled_(enabled) {
  bar_ = mode == ProgressMode::Bar || (mode == ProgressMode::Auto && ::isatty(2));
}

void Progress::update(int64_t epoch, int64_t epochs, int64_t step, double loss, double lr, double samples_per_s,
                      double elapsed_s, bool log_line) {
  if (!enabled_) return;
  const double eta = step > 0 ? elapsed_s / static_cast<double>(step) * static_cast<double>(total_ - step) : 0.0;
  if (bar_) {
    const int width = 24;
    const int filled = total_ > 0 ? static_cast<int>(width * step / total_) : 0;
    std::fprintf(stderr, "\r[%s%s] epoch %lld/%lld step %lld/%lld loss %.4f lr %.2e %.1f samples/s ETA %s ",
                 std::string(filled, '#').c_str(), std::string(width - filled, '.').c_str(), (long long)epoch + 1,
                 (long long)epochs, (long long)step, (long long)total_, loss, lr, samples_per_s,
                 fmt_time(eta).c_str());
    std::fflush(stderr);
    dirty_ = true;
  } else if (log_line) {
    spdlog::info("epoch {}/{} step {}/{} loss {:.4f} lr {:.2e} {:.1f} samples/s ETA {}", epoch + 1, epochs, step,
                 total_, loss, lr, samples_per_s, fmt_time(eta));
  }
}

void Progress::end_line() {
  if (dirty_) std::fprintf(stderr, "\n");
  dirty_ = false;
}

}  // namespace gtrain
