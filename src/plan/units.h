// Byte units of the planner's reports and estimates.
#pragma once

namespace gtrain::plan_units {

constexpr double kMiB = 1024.0 * 1024.0;
constexpr double kGiB = 1024.0 * kMiB;

}  // namespace gtrain::plan_units
