// The checkpoint-<step> directories of a run: listing and pruning (no LibTorch, for the CLI).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gtrain {

// run_dir/checkpoint-<step>.
std::string checkpoint_dir(const std::string& run_dir, int64_t step);
// The step of a checkpoint-<step> path; -1 for any other name (checkpoint-7.tmp.123 included).
int64_t checkpoint_step(const std::string& path);
// checkpoint-<step> directories under run_dir, oldest first.
std::vector<std::string> list_checkpoints(const std::string& run_dir);
// Removes the oldest checkpoints until keep_last are left (keep_last <= 0: keep all), counting
// and never removing those in `protect` (the one just written, the best one).
void prune_checkpoints(const std::string& run_dir, int keep_last, const std::vector<std::string>& protect = {});

}  // namespace gtrain
