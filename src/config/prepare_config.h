// Reads a `gtrain prepare` YAML file (reference: docs/data-format.md, "Preparing data").
#pragma once
#include <string>

#include "data/prepare.h"

namespace gtrain {

PrepareConfig load_prepare_config(const std::string& path);

}  // namespace gtrain
