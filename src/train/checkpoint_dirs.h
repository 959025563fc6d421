// The checkpoint-<step> directories of a run: listing and pruning (no LibTorch, for the CLI).
#pragma once
#include <string>
#include <vector>

namespace gtrain {

// checkpoint-<step> directories under run_dir, oldest first.
std::vector<std::string> list_checkpoints(const std::string& run_dir);
// Removes all but the newest keep_last (keep_last <= 0: keep all); never removes `protect`.
void prune_checkpoints(const std::string& run_dir, int keep_last, const std::string& protect = "");

}  // namespace gtrain
