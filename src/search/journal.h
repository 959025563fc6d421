// The sweep journal: one JSON object per line, appended and fsync'ed per record, so a crash
// loses at most the record being written (a torn last line is ignored on reading). Records:
//   {"event":"sweep", ...}                         the sweep's settings (trials, set, metric, ...), once per start/resume
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

#include "search/sweep_config.h"

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

// --resume: refuses (naming the journal and the first trial that differs) a journal whose trials
// the sweep file no longer makes: every recorded trial must exist with the parameters and repeat
// its trial_start recorded, and the trial count, set:, metric and resolved base config (`base`:
// the base file with set: applied, as YAML; "" = not checked) of its sweep records must be the
// file's. Otherwise old results would be attributed to new settings.
void check_journal_matches(const std::string& journal_path, const std::vector<nlohmann::json>& records,
                           const SweepConfig& s, const std::vector<TrialSpec>& trials, const std::string& base = "");

}  // namespace gtrain
