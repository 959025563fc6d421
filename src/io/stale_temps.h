// Leftovers of killed writers. Every atomic writer in gtrain writes NAME.tmp.<pid> and renames it
// onto NAME; replacing a directory first moves the old one to NAME.old.<pid>. A process killed in
// between (kill -9, OOM killer, node failure) leaves these behind. The next run on the same folder
// calls clean_stale_temps(): a temp whose writer no longer runs is removed, and an .old copy whose
// NAME is missing (killed between the two renames) is moved back, since it is the only copy.
#pragma once
#include <string>
#include <vector>

namespace gtrain {

struct StaleTempReport {
  std::vector<std::string> removed;   // NAME.tmp.<pid> / NAME.old.<pid> deleted
  std::vector<std::string> restored;  // NAME.old.<pid> renamed back to NAME
};

// Looks at the entries directly in dir (not recursively); entries of live processes on this host
// are left alone. Logs one line per entry. A missing dir is not an error.
StaleTempReport clean_stale_temps(const std::string& dir);

}  // namespace gtrain
