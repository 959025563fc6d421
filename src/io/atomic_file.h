// The one place gtrain writes a file or directory that must appear whole or not at all. Everything
// goes to PATH.tmp.<pid> first; commit() syncs and renames it into place; destroying an
// uncommitted writer removes the temp, so an interrupted run leaves neither half a file nor debris
// (io/stale_temps.h cleans a killed one's). Errors name the path and the cause (errno), e.g. "no
// space left on device".
#pragma once
#include <cstddef>
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
  void write(const void* data, size_t n);
  void commit();
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

// A directory, or a file another library creates by name (HDF5), built at PATH.tmp.<pid>. commit()
// syncs it and moves it to PATH; an existing PATH is moved to PATH.old.<pid> first and removed
// after (put back if the rename fails), so there is never a moment without a complete copy.
// The files inside must be synced by their writers (fsync_path). Destroying an uncommitted one
// removes the temp.
class StagedPath {
 public:
  explicit StagedPath(std::string path);  // removes a leftover PATH.tmp.<pid>
  ~StagedPath();
  StagedPath(const StagedPath&) = delete;
  StagedPath& operator=(const StagedPath&) = delete;

  const std::string& tmp() const { return tmp_; }
  const std::string& path() const { return path_; }
  void commit();

 private:
  std::string path_, tmp_;
  bool committed_ = false;
};

// fsync a file (a failure throws, naming it) or a directory (best effort: not every file system
// lets a directory be synced).
void fsync_path(const std::string& path, bool directory);

}  // namespace gtrain
