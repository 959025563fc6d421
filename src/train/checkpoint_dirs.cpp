#include "train/checkpoint_dirs.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace gtrain {

std::string checkpoint_dir(const std::string& run_dir, int64_t step) {
  return (fs::path(run_dir) / ("checkpoint-" + std::to_string(step))).string();
}

int64_t checkpoint_step(const std::string& path) {
  const std::string n = fs::path(path).filename().string();
  if (n.rfind("checkpoint-", 0) != 0) return -1;
  const std::string num = n.substr(11);
  if (num.empty() || num.size() > 18 || num.find_first_not_of("0123456789") != std::string::npos) return -1;
  return std::stoll(num);
}

std::vector<std::string> list_checkpoints(const std::string& run_dir) {
  std::vector<std::pair<int64_t, std::string>> found;
  if (!fs::exists(run_dir)) return {};
  for (const auto& e : fs::directory_iterator(run_dir)) {
    const int64_t step = checkpoint_step(e.path().string());
    if (e.is_directory() && step >= 0) found.emplace_back(step, e.path().string());  // skips *.tmp.*
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& p : found) out.push_back(p.second);
  return out;
}

void prune_checkpoints(const std::string& run_dir, int keep_last, const std::vector<std::string>& protect) {
  if (keep_last <= 0) return;
  auto is_protected = [&](const std::string& dir) {
    return std::any_of(protect.begin(), protect.end(), [&](const std::string& p) { return fs::path(p) == fs::path(dir); });
  };
  std::vector<std::string> all = list_checkpoints(run_dir);
  int64_t excess = static_cast<int64_t>(all.size()) - keep_last;
  for (size_t i = 0; i < all.size() && excess > 0; ++i) {
    if (is_protected(all[i])) continue;
    fs::remove_all(all[i]);
    --excess;
  }
}

}  // namespace gtrain
