#include "train/checkpoint_dirs.h"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace gtrain {

std::vector<std::string> list_checkpoints(const std::string& run_dir) {
  std::vector<std::pair<int64_t, std::string>> found;
  if (!fs::exists(run_dir)) return {};
  for (const auto& e : fs::directory_iterator(run_dir)) {
    const std::string n = e.path().filename().string();
    if (!e.is_directory() || n.rfind("checkpoint-", 0) != 0) continue;
    const std::string num = n.substr(11);
    if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos) continue;  // skips *.tmp.*
    found.emplace_back(std::stoll(num), e.path().string());
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
