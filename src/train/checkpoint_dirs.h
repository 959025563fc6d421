// The checkpoint-<step> directories of a run: listing and pruning (no LibTorch, for the CLI).
#pragma once
#include <string>
#include <vector>

namespace gtrain {

// checkpoint-<step> directories under run_dir, oldest first.
std::vector<std::string> list_checkpoints(const std::string& run_dir);
// Removes the oldest checkpoints until keep_last are left (keep_last <= 0: keep all), counting
// and never removing those in `protect` (the one just written, the best one).
void prune_checkpoints(const std::string& run_dir, int keep_last, const std::vector<std::string>& protect = {});

}  // namespace gtrain
