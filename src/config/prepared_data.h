// Where a training config's prepared splits are: given as files, or its inline `data.prepare`
// section prepared once into its cache folder (prepared_data_dir). Shared by the trainer (rank 0,
// then broadcast) and `gtrain plan`.
#pragma once
#include <string>

#include "config/train_config.h"

namespace gtrain {

struct DataPaths {
  std::string train, dev, test;  // "" = no such split (train is required)
};

// Prepares an inline section when its cache has no train.h5 yet; processes sharing the cache (a
// sweep's rank groups, a plan beside a training run) prepare it one at a time under a file lock.
DataPaths resolve_prepared_data(const TrainConfig& cfg);

// Whether the config has a dev split, read from the config alone (nothing prepared): data.dev,
// or an inline section with an input of `split: dev` or a random dev share (`split.dev` > 0).
bool names_dev_split(const TrainConfig& cfg);

}  // namespace gtrain
