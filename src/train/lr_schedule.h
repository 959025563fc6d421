// Learning-rate factor per optimizer step (HF get_scheduler semantics, as GLiNER2's trainer uses):
// linear warmup from 0 over `warmup` steps, then linear / cosine decay to 0 at `total`, or constant.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "config/train_config.h"

namespace gtrain {

inline double lr_factor(LrSchedule kind, int64_t step, int64_t warmup, int64_t total) {
  if (warmup > 0 && step < warmup) return static_cast<double>(step) / static_cast<double>(warmup);
  if (kind == LrSchedule::Constant) return 1.0;
  const double span = static_cast<double>(std::max<int64_t>(1, total - warmup));
  const double progress = std::clamp(static_cast<double>(step - warmup) / span, 0.0, 1.0);
  if (kind == LrSchedule::Linear) return std::max(0.0, 1.0 - progress);
  return 0.5 * (1.0 + std::cos(M_PI * progress));  // cosine, half a cycle
}

}  // namespace gtrain
