// The one place gtrain writes a file or directory that must appear whole or not at all. Everything
// goes to PATH.tmp.<pid> first; commit() syncs and renames it into place; destroying an
// uncommitted writer removes the temp, so an interrupted run leaves neither half a file nor debris
// (clean_stale_temps below cleans a killed one's). Errors name the path and the cause (errno), e.g. "no
// space left on device".
#pragma once
#include <cstddef>
#include <string>
#include <vector>

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
  // fsync the temp now, so the commit() that follows can only fail at the rename (prepare syncs
  // every split before renaming any).
  void sync();
  void commit();
  const std::string& path() const { return path_; }
  const std::string& tmp() const { return tmp_; }

 private:
  std::string path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
  bool synced_ = false;  // sync() since the last write: commit() need not fsync again
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

// PATH as a hard link to FROM: the same bytes at no cost in space, and since every writer here
// replaces a file by renaming a new one onto it, FROM written again later leaves PATH as it was.
// Where the file system has no hard links, a synced copy. Placed atomically like the writers
// above; throws naming the paths.
void link_file_atomic(const std::string& from, const std::string& path);

// fsync a file (a failure throws, naming it) or a directory (best effort: not every file system
// lets a directory be synced).
void fsync_path(const std::string& path, bool directory);

// ---- recovery ----
// Leftovers of killed writers. Every atomic writer in gtrain writes NAME.tmp.<pid> and renames it
// onto NAME; replacing a directory first moves the old one to NAME.old.<pid>. A process killed in
// between (kill -9, OOM killer, node failure) leaves these behind. The next run on the same folder
// calls clean_stale_temps(): a temp whose writer no longer runs is removed, and an .old copy whose
// NAME is missing (killed between the two renames) is moved back, since it is the only copy.
struct StaleTempReport {
  std::vector<std::string> removed;   // NAME.tmp.<pid> / NAME.old.<pid> deleted
  std::vector<std::string> restored;  // NAME.old.<pid> renamed back to NAME
};

// Looks at the entries directly in dir (not recursively); entries of live processes on this host,
// and names whose number is above the kernel's pid_max (a date, not a pid), are left alone. With
// `only`, just the leftovers of NAME == only (a folder that is not gtrain's, e.g. an export's
// parent). Logs one line per entry. A missing dir is not an error.
StaleTempReport clean_stale_temps(const std::string& dir, const std::string& only = "");

}  // namespace gtrain
