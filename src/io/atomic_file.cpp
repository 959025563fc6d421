#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace gtrain {

namespace {
[[noreturn]] void atomic_file_fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what + ": " + std::strerror(errno));
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

void AtomicFileWriter::write(const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + done, data.size() - done);
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
  // Make the rename durable (best effort).
  std::string dir = ".";
  const auto slash = path_.find_last_of('/');
  if (slash != std::string::npos) dir = slash == 0 ? "/" : path_.substr(0, slash);
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_text_file_atomic(const std::string& path, const std::string& content) {
  AtomicFileWriter w(path);
  w.write(content);
  w.commit();
}

}  // namespace gtrain
