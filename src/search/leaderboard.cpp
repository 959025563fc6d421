#include "search/leaderboard.h"
#include "io/atomic_file.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "config/train_config.h"
#include "eval/metrics.h"
#include "text/strings.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

// "0.8312 ± 0.0104" over several completed repeats; one run has no spread to show.
std::string mean_and_spread(const ConfigSummary& c) {
  return c.completed > 1 ? fixed4(c.mean) + " ± " + fixed4(c.std) : fixed4(c.mean);
}

}  // namespace

std::vector<ConfigSummary> summarize(const SweepConfig& s, const std::vector<TrialResult>& results) {
  std::map<int64_t, ConfigSummary> by;
  std::map<int64_t, std::vector<double>> values;
  for (const TrialResult& r : results) {
    ConfigSummary& c = by[r.spec.config_index];
    c.config_index = r.spec.config_index;
    c.params = r.spec.params;
    if (r.status == "completed") {
      ++c.completed;
      values[c.config_index].push_back(r.metric);
    } else if (r.status == "stopped") {
      ++c.stopped;
    } else {
      ++c.failed;
    }
  }
  std::vector<ConfigSummary> out;
  for (auto& [k, c] : by) {
    const auto& v = values[k];
    if (!v.empty()) {
      double sum = 0;
      for (double x : v) sum += x;
      c.mean = sum / static_cast<double>(v.size());
      double ss = 0;
      for (double x : v) ss += (x - c.mean) * (x - c.mean);
      c.std = v.size() > 1 ? std::sqrt(ss / static_cast<double>(v.size() - 1)) : 0.0;
    }
    out.push_back(c);
  }
  // A configuration that lost repeats to ASHA ranks below those whose repeats all ran: ASHA judges
  // each seed on its own, so its mean is over the seeds that got through, its luckiest (one seed
  // at 0.16 whose twin was stopped at 0.03 would beat two seeds at 0.06 ± 0.03).
  std::stable_sort(out.begin(), out.end(), [&](const ConfigSummary& a, const ConfigSummary& b) {
    if ((a.completed > 0) != (b.completed > 0)) return a.completed > 0;
    if ((a.stopped == 0) != (b.stopped == 0)) return a.stopped == 0;
    return metric_goal(s.metric, a.mean) > metric_goal(s.metric, b.mean);
  });
  return out;
}

std::string write_leaderboard(const SweepConfig& s, const std::vector<TrialResult>& results_in, const std::string& dir) {
  std::vector<TrialResult> results = results_in;
  // Completed first, then stopped, then failed; best metric first within each.
  auto rank_of = [](const std::string& st) { return st == "completed" ? 0 : st == "stopped" ? 1 : 2; };
  std::stable_sort(results.begin(), results.end(), [&](const TrialResult& a, const TrialResult& b) {
    if (rank_of(a.status) != rank_of(b.status)) return rank_of(a.status) < rank_of(b.status);
    if (a.status != "failed" && metric_goal(s.metric, a.metric) != metric_goal(s.metric, b.metric))
      return metric_goal(s.metric, a.metric) > metric_goal(s.metric, b.metric);
    return a.spec.id < b.spec.id;
  });
  fs::create_directories(dir);
  std::ostringstream csv, md;
  csv << "place,trial,config,repeat,status," << s.metric << ",threshold,steps,budget,ranks,params,error\n";
  md << "# Sweep leaderboard\n\n" << results.size() << " trials, metric `" << s.metric << "` on the dev split"
     << (s.metric == "loss" ? " (lower is better)" : "") << ".\n\n";
  md << "| place | trial | config | repeat | status | " << s.metric << " | threshold | steps | ranks | parameters |\n";
  md << "|---|---|---|---|---|---|---|---|---|---|\n";
  int place = 0;
  for (const TrialResult& r : results) {
    ++place;
    const std::string metric = r.status == "failed" ? "" : fixed4(r.metric);
    csv << place << "," << r.spec.id << "," << r.spec.config_index << "," << r.spec.repeat << "," << r.status << ","
        << metric << "," << (r.status == "failed" ? "" : fixed4(r.threshold)) << "," << r.steps << "," << r.budget << ","
        << r.ranks << "," << csv_field(join(r.spec.params, " ")) << "," << csv_field(r.error) << "\n";
    md << "| " << place << " | " << r.spec.id << " | " << r.spec.config_index << " | " << r.spec.repeat << " | "
       << r.status << (r.status == "failed" ? ": " + r.error.substr(0, 80) : "") << " | " << metric << " | "
       << (r.status == "failed" ? "" : fixed4(r.threshold)) << " | " << r.steps << " | " << r.ranks << " | `"
       << join(r.spec.params, " ") << "` |\n";
  }
  const std::vector<ConfigSummary> sums = summarize(s, results);
  md << "\n## Configurations (mean ± std over completed repeats)\n\n| config | " << s.metric
     << " | completed | stopped | failed | parameters |\n|---|---|---|---|---|---|\n";
  for (const ConfigSummary& c : sums)
    md << "| " << c.config_index << " | " << (c.completed ? mean_and_spread(c) : std::string("-"))
       << " | " << c.completed << " | " << c.stopped << " | " << c.failed << " | `" << join(c.params, " ") << "` |\n";
  write_text_file_atomic((fs::path(dir) / "leaderboard.csv").string(), csv.str());
  write_text_file_atomic((fs::path(dir) / "leaderboard.md").string(), md.str());
  if (!sums.empty() && sums.front().completed > 0) {
    // What its trials trained with, in a folder of its own. A step budget (asha.unit: steps) is
    // not a config key: the header says so.
    std::vector<std::string> ov = trial_config_overrides(s, sums.front().params, s.asha.max_budget);
    ov.push_back("output_dir=" + (fs::path(dir) / "best-run").string());
    const bool step_budget = s.asha.enabled && s.asha.unit == "steps";
    const TrainConfig best = load_train_config(s.base_config, ov, /*check_files=*/false);
    write_text_file_atomic((fs::path(dir) / "best_config.yaml").string(),
                           "# Best configuration of sweep " + s.file + " (config " + std::to_string(sums.front().config_index) +
                               ": " + s.metric + " " + mean_and_spread(sums.front()) + " over " +
                               std::to_string(sums.front().completed) + " run(s))\n# parameters: " +
                               join(sums.front().params, " ") + "\n" +
                               (step_budget ? "# its trials stopped after asha.max_budget " +
                                                  std::to_string(static_cast<long long>(s.asha.max_budget)) +
                                                  " optimizer steps (their schedule spanning them); this config trains its full epochs\n"
                                            : std::string()) +
                               train_config_to_yaml(best));
  }
  return md.str();
}

}  // namespace gtrain
