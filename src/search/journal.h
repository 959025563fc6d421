// The sweep journal: one JSON object per line, appended and fsync'ed per record, so a crash
// loses at most the record being written (a torn last line is ignored on reading). Records:
//   {"event":"sweep", ...}                         the sweep's settings, once per start/resume
//   {"event":"trial_start","trial":i,...}          trial i handed to a group (ranks listed)
//   {"event":"rung","trial":i,"rung":k,...}        trial i's metric at rung k
//   {"event":"decision","trial":i,"rung":k,...}    ASHA's continue/stop for it, with the cutoff
//   {"event":"trial_end","trial":i,"status":...}   completed | stopped | failed (with error)
// Torch-free.
#pragma once
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gtrain {

class SweepJournal {
 public:
  explicit SweepJournal(const std::string& path);  // appends (creates the file)
  ~SweepJournal();
  SweepJournal(const SweepJournal&) = delete;
  SweepJournal& operator=(const SweepJournal&) = delete;
  void write(const nlohmann::json& record);  // one line + fflush + fsync
  const std::string& path() const { return path_; }

  // Every complete record of a journal file ([] when it does not exist).
  static std::vector<nlohmann::json> read(const std::string& path);

 private:
  std::string path_;
  FILE* f_ = nullptr;
};

}  // namespace gtrain
