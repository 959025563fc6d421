// Training progress on the terminal: a terminal gets one self-updating line; logs (CI, Slurm) get
// plain periodic lines.
#pragma once
#include <cstdint>

#include "config/train_config.h"

namespace gtrain {

class Progress {
 public:
  // enabled = false (ranks other than 0): prints nothing.
  Progress(ProgressMode mode, int64_t total_steps, bool enabled);
  // log_line: a plain-lines progress prints this update (the terminal bar prints every update).
  void update(int64_t epoch, int64_t epochs, int64_t step, double loss, double lr, double samples_per_s,
              double elapsed_s, bool log_line);
  // Ends the bar's line before other output (an evaluation's log lines).
  void end_line();

 private:
  int64_t total_;
  bool enabled_;
  bool bar_ = false, dirty_ = false;
};

}  // namespace gtrain
