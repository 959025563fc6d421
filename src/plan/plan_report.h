// The plan on the terminal (GPU | fits? | batch | s/step | epoch | total | $ per run | $ per sweep,
// then the work, the memory split and the assumptions) and the same as JSON.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "plan/plan.h"

namespace gtrain {

std::string plan_table(const Plan& p);
nlohmann::json plan_json(const Plan& p);

// "42 s", "14.3 min", "2.1 h"
std::string format_duration(double seconds);

}  // namespace gtrain
