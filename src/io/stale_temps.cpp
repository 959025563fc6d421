#include "io/stale_temps.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

namespace fs = std::filesystem;

namespace gtrain {

namespace {
// "NAME.tmp.<pid>" -> (NAME, "tmp", pid); false for anything else.
bool parse_temp_name(const std::string& n, std::string* base, std::string* kind, long* pid) {
  for (const char* k : {".tmp.", ".old."}) {
    const size_t at = n.rfind(k);
    if (at == std::string::npos || at == 0) continue;
    const std::string digits = n.substr(at + 5);
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    *base = n.substr(0, at);
    *kind = std::string(k).substr(1, 3);
    *pid = std::stol(digits);
    return true;
  }
  return false;
}

bool process_alive(long pid) {
  if (pid == static_cast<long>(::getpid())) return true;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}
}  // namespace

StaleTempReport clean_stale_temps(const std::string& dir) {
  StaleTempReport rep;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return rep;
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(dir, ec)) entries.push_back(e.path());
  for (const fs::path& p : entries) {
    std::string base, kind;
    long pid = 0;
    if (!parse_temp_name(p.filename().string(), &base, &kind, &pid) || process_alive(pid)) continue;
    const fs::path target = p.parent_path() / base;
    if (kind == "old" && !fs::exists(target)) {
      fs::rename(p, target, ec);
      if (!ec) {
        spdlog::warn("restored {} from {} (left by process {}, killed while replacing it)", target.string(),
                     p.string(), pid);
        rep.restored.push_back(target.string());
        continue;
      }
    }
    fs::remove_all(p, ec);
    if (ec) {
      spdlog::warn("stale temporary {} (left by process {}, no longer running) could not be removed: {}", p.string(),
                   pid, ec.message());
    } else {
      spdlog::info("removed stale temporary {} (left by process {}, no longer running)", p.string(), pid);
      rep.removed.push_back(p.string());
    }
  }
  return rep;
}

}  // namespace gtrain
