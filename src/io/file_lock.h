// An exclusive advisory lock on a file (flock), held for the object's lifetime. Processes that
// share a folder — sweep trials on different rank groups, two runs started side by side — take it
// before they check-then-create something there, so that one creates it and the others find it
// complete. The lock goes with the process (a killed holder releases it); the lock file stays.
#pragma once
#include <string>

namespace gtrain {

class FileLock {
 public:
  // Wait: block until the lock is held (a cache another process is filling: its result is wanted).
  // Refuse: throw at once, naming the process that holds it (a run folder another live run is
  // writing: waiting would only run the second over the first's files afterwards).
  enum class Busy { Wait, Refuse };
  // Creates path's folder and the lock file if needed. `what` names the guarded thing in the log
  // line (Wait) or the error (Refuse) when another process holds it. The holder writes its pid and
  // host into the file, for that message.
  FileLock(const std::string& path, const std::string& what, Busy busy = Busy::Wait);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace gtrain
