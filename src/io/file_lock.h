// An exclusive advisory lock on a file (flock), held for the object's lifetime. Processes that
// share a folder — sweep trials on different rank groups, two runs started side by side — take it
// before they check-then-create something there, so that one creates it and the others find it
// complete. The lock goes with the process (a killed holder releases it); the lock file stays.
#pragma once
#include <string>

namespace gtrain {

class FileLock {
 public:
  // Creates path's folder and the lock file if needed; blocks until the lock is held. `what` names
  // the guarded thing in the log line written when another process holds it.
  FileLock(const std::string& path, const std::string& what);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace gtrain
