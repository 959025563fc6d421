#include "io/file_lock.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace gtrain {

namespace {

// "pid 1234 on node07", as the holder wrote it (best effort: the message is all it serves).
std::string holder_of(int fd) {
  char buf[128] = {0};
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string s = n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s.empty() ? "another process" : s;
}

void write_holder(int fd) {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  const std::string me = "pid " + std::to_string(::getpid()) + " on " + host + "\n";
  if (::ftruncate(fd, 0) != 0) return;  // the lock holds without it
  const ssize_t written = ::pwrite(fd, me.data(), me.size(), 0);
  (void)written;
}

}  // namespace

FileLock::FileLock(const std::string& path, const std::string& what, Busy busy) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open lock file " + path + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) {
    write_holder(fd_);
    return;
  }
  if (errno == EWOULDBLOCK && busy == Busy::Refuse) {
    const std::string holder = holder_of(fd_);
    ::close(fd_);
    fd_ = -1;
    throw std::runtime_error(what + " is in use by " + holder + " (lock " + path + ")");
  }
  if (errno == EWOULDBLOCK) {
    spdlog::info("waiting for another process working on {} (lock {})", what, path);
    int rc;
    while ((rc = ::flock(fd_, LOCK_EX)) != 0 && errno == EINTR) {
    }
    if (rc == 0) {
      write_holder(fd_);
      return;
    }
  }
  const std::string err = std::strerror(errno);
  ::close(fd_);
  throw std::runtime_error("cannot lock " + path + ": " + err);
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the lock
}

}  // namespace gtrain
