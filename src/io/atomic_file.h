// A file written in pieces that appears only when complete: the pieces go to PATH.tmp.<pid>,
// commit() syncs and renames it into place; destroying an uncommitted writer removes the temp
// file, so an interrupted run leaves neither half a file nor debris (io/stale_temps.h cleans a
// killed one's). Errors name the path and the cause (errno), e.g. "no space left on device".
#pragma once
#include <string>

namespace gtrain {

// The whole content at once (reports, configs, journals' snapshots): write, fsync, rename, and
// fsync the directory so the rename survives a crash. Throws std::runtime_error naming the path.
void write_text_file_atomic(const std::string& path, const std::string& content);

class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const std::string& data);
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace gtrain
