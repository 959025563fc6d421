#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
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

void AtomicFileWriter::commit() {
  if (::fsync(fd_) != 0) atomic_file_fail(tmp_, "fsync failed");
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

}  // namespace gtrain
