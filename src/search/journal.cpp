#include "search/journal.h"

#include "config/config_diff.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace gtrain {

SweepJournal::SweepJournal(const std::string& path) : path_(path) {
  // A record torn by a crash (no final newline) is cut off first, so the next record starts on a
  // line of its own and the journal stays readable.
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    std::ifstream in(path, std::ios::binary);
    const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!all.empty() && all.back() != '\n') {
      const size_t keep = all.rfind('\n') == std::string::npos ? 0 : all.rfind('\n') + 1;
      std::filesystem::resize_file(path, keep, ec);
      if (ec) throw std::runtime_error("sweep journal " + path + ": cannot cut a torn last record: " + ec.message());
    }
  }
  f_ = std::fopen(path.c_str(), "a");
  if (!f_) throw std::runtime_error("sweep journal " + path + ": cannot open for appending");
}

SweepJournal::~SweepJournal() {
  if (f_) std::fclose(f_);
}

void SweepJournal::write(const nlohmann::json& record) {
  const std::string line = record.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), f_) != line.size() || std::fflush(f_) != 0 || ::fsync(fileno(f_)) != 0)
    throw std::runtime_error("sweep journal " + path_ + ": write failed");
}

std::vector<nlohmann::json> SweepJournal::read(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream in(path);
  std::string line;
  long n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const std::exception&) {
      if (in.peek() == EOF) break;  // a record torn by a crash mid-write: the last line only
      throw std::runtime_error(path + ":" + std::to_string(n) + ": not a JSON record");
    }
  }
  return out;
}

namespace {

using json = nlohmann::json;

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& x : v) out += (out.empty() ? "" : " ") + x;
  return "{" + out + "}";
}

[[noreturn]] void mismatch(const std::string& journal, const SweepConfig& s, const std::string& what) {
  throw std::runtime_error("sweep --resume: " + journal + " does not match " + s.file + ": " + what +
                           "; resume with the sweep file as it was, or run the edited sweep in another output_dir");
}

void check_trial_record(const std::string& journal, const json& r, const SweepConfig& s,
                        const std::vector<TrialSpec>& trials) {
  const int64_t id = r.at("trial").get<int64_t>();
  if (id < 0 || id >= static_cast<int64_t>(trials.size()))
    mismatch(journal, s, "it records trial " + std::to_string(id) + ", and the file now makes " +
                             std::to_string(trials.size()) + " trials");
  if (r.value("event", "") != "trial_start") return;
  const TrialSpec& t = trials[static_cast<size_t>(id)];
  const auto params = r.at("params").get<std::vector<std::string>>();
  const int64_t repeat = r.value("repeat", t.repeat);
  if (params != t.params || repeat != t.repeat)
    mismatch(journal, s, "trial " + std::to_string(id) + " ran with " + joined(params) + " (repeat " +
                             std::to_string(repeat) + "), and the file now makes it " + joined(t.params) +
                             " (repeat " + std::to_string(t.repeat) + ")");
}

// The first key of the resolved base config that differs, e.g. "optim: 'batch_size: 8', now 'batch_size: 4'".
std::string first_difference(const std::string& was, const std::string& now) {
  const std::vector<YamlChange> changes = yaml_changes(was, now);
  if (changes.empty()) return "";
  const YamlChange& c = changes.front();
  const size_t dot = c.key.rfind('.');
  const std::string leaf = dot == std::string::npos ? c.key : c.key.substr(dot + 1);
  return (dot == std::string::npos ? "" : c.key.substr(0, dot) + ": ") + "'" + leaf + ": " + c.before + "', now '" +
         leaf + ": " + c.after + "'";
}

void check_sweep_record(const std::string& journal, const json& r, const SweepConfig& s, size_t trials,
                        const std::string& base) {
  if (r.contains("trials") && r["trials"].get<size_t>() != trials)
    mismatch(journal, s, "it records a sweep of " + std::to_string(r["trials"].get<size_t>()) +
                             " trials, and the file now makes " + std::to_string(trials));
  if (r.contains("set") && r["set"].get<std::vector<std::string>>() != s.fixed_overrides)
    mismatch(journal, s, "its trials ran with set: " + joined(r["set"].get<std::vector<std::string>>()) +
                             ", and the file's set: with --set now give " + joined(s.fixed_overrides));
  if (r.contains("metric") && r["metric"].get<std::string>() != s.metric)
    mismatch(journal, s, "its trials were ranked by " + r["metric"].get<std::string>() + ", and the file now by " +
                             s.metric);
  if ((r.contains("asha") && r["asha"].get<bool>() != s.asha.enabled) ||
      (r.contains("rungs") && r["rungs"].get<std::vector<double>>() != s.asha.rungs()))
    mismatch(journal, s, "its ASHA rungs were " + r.value("rungs", json::array()).dump() + " (asha " +
                             (r.value("asha", false) ? "on" : "off") + "), and the file now makes " +
                             json(s.asha.rungs()).dump() + " (asha " + (s.asha.enabled ? "on" : "off") + ")");
  // Last: a changed set: changes the resolved base too, and is named above as what it is.
  if (!base.empty() && r.contains("base") && r["base"].get<std::string>() != base)
    mismatch(journal, s, "its trials started from another base config (" + s.base_config + ", resolved with set:): " +
                             first_difference(r["base"].get<std::string>(), base));
}

}  // namespace

void check_journal_matches(const std::string& journal_path, const std::vector<json>& records, const SweepConfig& s,
                           const std::vector<TrialSpec>& trials, const std::string& base) {
  for (const json& r : records)  // the trials first: the message names the first that differs
    if (r.value("event", "") != "sweep" && r.contains("trial")) check_trial_record(journal_path, r, s, trials);
  for (const json& r : records)
    if (r.value("event", "") == "sweep") check_sweep_record(journal_path, r, s, trials.size(), base);
}

}  // namespace gtrain
