#include "search/asha.h"

#include <algorithm>
#include <stdexcept>

namespace gtrain {

AshaScheduler::AshaScheduler(std::vector<double> rung_budgets, double reduction_factor)
    : rungs_(std::move(rung_budgets)), rf_(reduction_factor), values_(rungs_.size()) {
  if (rf_ <= 1) throw std::invalid_argument("ASHA: reduction_factor must be > 1");
}

void AshaScheduler::report(int64_t trial, size_t rung, double goal) { values_.at(rung)[trial] = goal; }

void AshaScheduler::ended(int64_t trial) { ended_.insert(trial); }

std::optional<bool> AshaScheduler::decide(int64_t trial, size_t rung, double* cutoff) const {
  const auto& at = values_.at(rung);
  auto mine = at.find(trial);
  if (mine == at.end()) throw std::logic_error("ASHA: decide before report");
  std::vector<double> v;
  for (int64_t j = 0; j <= trial; ++j) {
    auto it = at.find(j);
    if (it != at.end()) {
      v.push_back(it->second);
    } else if (!ended_.count(j)) {
      return std::nullopt;  // trial j may still reach this rung
    }
  }
  std::sort(v.begin(), v.end());
  const double q = 1.0 - 1.0 / rf_;
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, v.size() - 1);
  const double c = v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
  if (cutoff) *cutoff = c;
  return mine->second >= c;
}

}  // namespace gtrain
