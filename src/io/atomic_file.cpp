#include "io/atomic_file.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <cstring>
#include <stdexcept>

namespace gtrain {

namespace {
[[noreturn]] void atomic_file_fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
}

std::string parent_of(const std::string& path) {
  const std::filesystem::path p = std::filesystem::path(path).parent_path();
  return p.empty() ? "." : p.string();
}
}  // namespace

AtomicFileWriter::AtomicFileWriter(std::string path)
    : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) atomic_file_fail(tmp_, "cannot create");
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(tmp_.c_str());
}

void AtomicFileWriter::write(const std::string& data) { write(data.data(), data.size()); }

void AtomicFileWriter::write(const void* p, size_t size) {
  synced_ = false;
  const char* data = static_cast<const char*>(p);
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd_, data + done, std::min<size_t>(size - done, size_t(1) << 30));
    if (n < 0) {
      if (errno == EINTR) continue;
      atomic_file_fail(tmp_, "write failed");
    }
    done += static_cast<size_t>(n);
  }
}

void AtomicFileWriter::sync() {
  if (::fsync(fd_) != 0) atomic_file_fail(tmp_, "fsync failed");
  synced_ = true;
}

void AtomicFileWriter::commit() {
  if (!synced_ && ::fsync(fd_) != 0) atomic_file_fail(tmp_, "fsync failed");
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) atomic_file_fail(tmp_, "close failed");
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) atomic_file_fail(path_, "cannot rename " + tmp_ + " into place");
  committed_ = true;
  fsync_path(parent_of(path_), true);  // make the rename durable
}

void write_text_file_atomic(const std::string& path, const std::string& content) {
  AtomicFileWriter w(path);
  w.write(content);
  w.commit();
}

void fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) {
    if (directory) return;
    atomic_file_fail(path, "cannot open for fsync");
  }
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  errno = err;
  if (rc != 0 && !directory) atomic_file_fail(path, "fsync failed");
}

StagedPath::StagedPath(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
  std::error_code ec;
  std::filesystem::remove_all(tmp_, ec);
}

StagedPath::~StagedPath() {
  if (committed_) return;
  std::error_code ec;
  std::filesystem::remove_all(tmp_, ec);
}

void StagedPath::commit() {
  namespace fs = std::filesystem;
  const bool dir = fs::is_directory(tmp_);
  fsync_path(tmp_, dir);
  std::error_code ec;
  if (fs::exists(path_)) {
    const std::string old = path_ + ".old." + std::to_string(::getpid());
    fs::remove_all(old, ec);
    if (::rename(path_.c_str(), old.c_str()) != 0) atomic_file_fail(path_, "cannot move the previous copy aside");
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      const int err = errno;
      ::rename(old.c_str(), path_.c_str());  // put the previous copy back
      errno = err;
      atomic_file_fail(path_, "cannot rename " + tmp_ + " into place");
    }
    fs::remove_all(old, ec);
  } else if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    atomic_file_fail(path_, "cannot rename " + tmp_ + " into place");
  }
  committed_ = true;
  fsync_path(parent_of(path_), true);
}

void link_file_atomic(const std::string& from, const std::string& path) {
  StagedPath staged(path);
  if (::link(from.c_str(), staged.tmp().c_str()) != 0) {
    std::error_code ec;  // EXDEV, EPERM, ENOTSUP...: copy instead
    if (!std::filesystem::copy_file(from, staged.tmp(), ec))
      throw std::runtime_error(path + ": cannot link or copy " + from + ": " + ec.message());
  }
  staged.commit();
}

// ---- recovery: leftovers of killed writers ----
namespace fs = std::filesystem;

namespace {
// The largest pid this kernel hands out: a larger number (a date, a version) is no writer's.
long pid_max() {
  static const long v = [] {
    std::ifstream f("/proc/sys/kernel/pid_max");
    long m = 0;
    return (f >> m) && m > 0 ? m : 4194304L;  // the 64-bit kernel's limit
  }();
  return v;
}

// "NAME.tmp.<pid>" -> (NAME, "tmp", pid); false for anything else (a number above pid_max is a
// date or a version, not a writer's pid).
bool parse_temp_name(const std::string& n, std::string* base, std::string* kind, long* pid) {
  for (const char* k : {".tmp.", ".old."}) {
    const size_t at = n.rfind(k);
    if (at == std::string::npos || at == 0) continue;
    const std::string digits = n.substr(at + 5);
    if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    *base = n.substr(0, at);
    *kind = std::string(k).substr(1, 3);
    *pid = std::stol(digits);
    return *pid <= pid_max();
  }
  return false;
}

bool process_alive(long pid) {
  if (pid == static_cast<long>(::getpid())) return true;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}
}  // namespace

StaleTempReport clean_stale_temps(const std::string& dir, const std::string& only) {
  StaleTempReport rep;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return rep;
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(dir, ec)) entries.push_back(e.path());
  for (const fs::path& p : entries) {
    std::string base, kind;
    long pid = 0;
    if (!parse_temp_name(p.filename().string(), &base, &kind, &pid)) continue;
    if ((!only.empty() && base != only) || process_alive(pid)) continue;
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
