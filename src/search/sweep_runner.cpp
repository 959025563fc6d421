#include "search/sweep_runner.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <spdlog/spdlog.h>
#include <thread>

#include "config/prepared_data.h"
#include "config/train_config.h"
#include "io/input_error.h"
#include "search/asha.h"
#include "search/journal.h"
#include "train/fault_injection.h"
#include "train/trainer.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {

using json = nlohmann::json;
constexpr int kTagRequest = 7101, kTagReply = 7102;

// A trial's spec as the coordinator's "trial" reply and the leader's "end" request carry it; the
// id stands under id_key ("id" in the reply, "trial" in the request).
json spec_json(const TrialSpec& spec, const char* id_key) {
  return {{id_key, spec.id}, {"config", spec.config_index}, {"repeat", spec.repeat}, {"params", spec.params}};
}
TrialSpec read_spec(const json& j, const char* id_key) {
  TrialSpec spec;
  spec.id = j.at(id_key);
  spec.config_index = j.at("config");
  spec.repeat = j.at("repeat");
  spec.params = j.at("params").get<std::vector<std::string>>();
  return spec;
}

// A trial's outcome as the "end" request and the journal's trial_end carry it (the error only when
// there is one).
json outcome_json(const TrialResult& r) {
  json j = {{"status", r.status}, {"metric", r.metric}, {"threshold", r.threshold},
            {"steps", r.steps},   {"budget", r.budget}, {"ranks", r.ranks}};
  if (!r.error.empty()) j["error"] = r.error;
  return j;
}
void read_outcome(const json& j, TrialResult* r) {
  r->status = j.at("status");
  r->metric = j.value("metric", 0.0);
  r->threshold = j.value("threshold", 0.0);
  r->steps = j.value("steps", int64_t{0});
  r->budget = j.value("budget", 0.0);
  r->ranks = j.value("ranks", 0);
  r->error = j.value("error", "");
}

// The base config as every trial starts from it (set: and --set applied, resolved), for the journal:
// a resume refuses an edited base, whose trials would be ranked with the old ones. "" when the base
// is not a valid config without the space's keys (each trial then says why).
std::string resolved_base(const SweepConfig& s) {
  try {
    return train_config_to_yaml(load_train_config(s.base_config, s.fixed_overrides, /*check_files=*/false));
  } catch (const std::exception&) {
    return "";
  }
}

// The sweep's state, on world rank 0. Every public call is thread-safe; rung() may have to wait
// (deterministic ASHA): callers that must not block use try_rung().
class Coordinator {
 public:
  Coordinator(const SweepConfig& s, std::vector<TrialSpec> trials, int groups, bool resume, bool retry_failed)
      : s_(s), trials_(std::move(trials)), groups_(groups), asha_(s.asha.rungs(), s.asha.reduction_factor) {
    fs::create_directories(s.output_dir);
    const std::string jpath = (fs::path(s.output_dir) / "journal.jsonl").string();
    const std::vector<json> old = SweepJournal::read(jpath);
    if (!old.empty() && !resume)
      throw std::runtime_error("sweep: " + jpath + " exists (an earlier sweep): pass --resume to continue it, or choose another output_dir");
    const std::string base = resolved_base(s);
    check_journal_matches(jpath, old, s, trials_, base);
    std::map<int64_t, std::vector<std::pair<size_t, double>>> rungs;
    for (const json& r : old) {
      const std::string ev = r.value("event", "");
      if (ev == "trial_start") rungs[r.at("trial").get<int64_t>()].clear();  // only the last attempt counts
      if (ev == "rung") rungs[r.at("trial").get<int64_t>()].push_back({r.at("rung").get<size_t>(), r.at("goal").get<double>()});
      if (ev == "trial_end") {
        TrialResult t;
        t.spec = trials_.at(r.at("trial").get<size_t>());
        read_outcome(r, &t);
        results_[t.spec.id] = t;
      }
    }
    if (retry_failed) {  // --retry-failed: a failed trial runs again from the start, as one never ended
      int retried = 0;
      for (auto it = results_.begin(); it != results_.end();)
        if (it->second.status == "failed") it = results_.erase(it), ++retried;
        else ++it;
      spdlog::info("sweep: --retry-failed: {} failed trial(s) run again", retried);
    }
    for (auto& [id, t] : results_) {  // only ended trials' rungs count: the others run again
      for (auto& [k, g] : rungs[id]) asha_.report(id, k, g);
      asha_.ended(id);
    }
    for (const TrialSpec& t : trials_)
      if (!results_.count(t.id)) pending_.push_back(t.id);
    skipped_done_ = static_cast<int>(results_.size());
    journal_ = std::make_unique<SweepJournal>(jpath);
    journal_->write({{"event", "sweep"}, {"resumed", resume && !old.empty()}, {"file", s.file}, {"trials", trials_.size()},
                     {"groups", groups}, {"already_ended", skipped_done_}, {"asha", s.asha.enabled},
                     {"rungs", s.asha.rungs()}, {"set", s.fixed_overrides}, {"metric", s.metric}, {"base", base}});
    if (skipped_done_) spdlog::info("sweep: resuming: {} trial(s) already ended, {} to run", skipped_done_, pending_.size());
  }

  // The next trial for a group (or none when every trial has been handed out).
  std::optional<TrialSpec> next(int group, const std::vector<int>& ranks) {
    std::lock_guard<std::mutex> l(m_);
    if (pending_.empty()) {
      ++groups_done_;
      return std::nullopt;
    }
    const int64_t id = pending_.front();
    pending_.erase(pending_.begin());
    journal_->write({{"event", "trial_start"}, {"trial", id}, {"group", group}, {"ranks", ranks},
                     {"params", trials_[static_cast<size_t>(id)].params}, {"repeat", trials_[static_cast<size_t>(id)].repeat}});
    spdlog::info("sweep: trial {} -> group {} ({} ranks: {}) {}", id, group, ranks.size(), fmt::join(ranks, ","),
                 fmt::join(trials_[static_cast<size_t>(id)].params, " "));
    return trials_[static_cast<size_t>(id)];
  }

  void report_rung(int64_t trial, size_t rung, double goal, double budget) {
    std::lock_guard<std::mutex> l(m_);
    asha_.report(trial, rung, goal);
    journal_->write({{"event", "rung"}, {"trial", trial}, {"rung", rung}, {"budget", budget}, {"goal", goal}});
    cv_.notify_all();
  }
  // nullopt while the decision must wait for lower-numbered trials.
  std::optional<bool> try_decide(int64_t trial, size_t rung) {
    std::lock_guard<std::mutex> l(m_);
    double cutoff = 0;
    std::optional<bool> d = asha_.decide(trial, rung, &cutoff);
    if (d) {
      journal_->write({{"event", "decision"}, {"trial", trial}, {"rung", rung}, {"decision", *d ? "continue" : "stop"},
                       {"cutoff", cutoff}});
      // The cutoff in the metric's own terms (ASHA compares goals: metric_goal is its own inverse).
      if (!*d)
        spdlog::info("sweep: ASHA stops trial {} at rung {} ({} the cutoff {} {:.4f})", trial, rung,
                     s_.metric == "loss" ? "above" : "below", s_.metric, metric_goal(s_.metric, cutoff));
    }
    return d;
  }
  bool decide_blocking(int64_t trial, size_t rung) {
    for (;;) {
      if (auto d = try_decide(trial, rung)) return *d;
      std::unique_lock<std::mutex> l(m_);
      cv_.wait_for(l, std::chrono::milliseconds(50));
    }
  }

  void end(const TrialResult& r) {
    std::lock_guard<std::mutex> l(m_);
    asha_.ended(r.spec.id);
    results_[r.spec.id] = r;
    json j = outcome_json(r);
    j["event"] = "trial_end";
    j["trial"] = r.spec.id;
    journal_->write(j);
    spdlog::info("sweep: trial {} {} ({} {:.4f}, {} steps on {} ranks){}", r.spec.id, r.status, s_.metric, r.metric,
                 r.steps, r.ranks, r.error.empty() ? "" : ": " + r.error);
    cv_.notify_all();
  }

  bool all_groups_done() {
    std::lock_guard<std::mutex> l(m_);
    return groups_done_ >= groups_;
  }
  std::vector<TrialResult> results() {
    std::lock_guard<std::mutex> l(m_);
    std::vector<TrialResult> v;
    for (auto& [id, r] : results_) v.push_back(r);
    return v;
  }
  int skipped_done() const { return skipped_done_; }

 private:
  const SweepConfig& s_;
  std::vector<TrialSpec> trials_;
  int groups_;
  AshaScheduler asha_;
  std::vector<int64_t> pending_;
  std::map<int64_t, TrialResult> results_;
  int groups_done_ = 0, skipped_done_ = 0;
  std::unique_ptr<SweepJournal> journal_;
  std::mutex m_;
  std::condition_variable cv_;
};

// How a group leader talks to the coordinator: directly on world rank 0, over MPI elsewhere.
class CoordinatorLink {
 public:
  CoordinatorLink(Coordinator* local, MPI_Comm comm) : local_(local), comm_(comm) {}
  json call(const json& req) {
    if (local_) return serve(*local_, req, /*may_block=*/true).value();
    const std::string b = req.dump();
    MPI_Send(b.data(), static_cast<int>(b.size()), MPI_CHAR, 0, kTagRequest, comm_);
    MPI_Status st;
    MPI_Probe(0, kTagReply, comm_, &st);
    int n = 0;
    MPI_Get_count(&st, MPI_CHAR, &n);
    std::string r(static_cast<size_t>(n), '\0');
    MPI_Recv(r.data(), n, MPI_CHAR, 0, kTagReply, comm_, MPI_STATUS_IGNORE);
    return json::parse(r);
  }

  // One request; nullopt when it is a rung decision that has to wait (may_block = false).
  static std::optional<json> serve(Coordinator& c, const json& req, bool may_block) {
    const std::string type = req.at("type");
    if (type == "next") {
      auto t = c.next(req.at("group"), req.at("ranks").get<std::vector<int>>());
      if (!t) return json{{"type", "done"}};
      json reply = spec_json(*t, "id");
      reply["type"] = "trial";
      return reply;
    }
    if (type == "rung") {
      const int64_t trial = req.at("trial");
      const size_t rung = req.at("rung");
      if (!req.value("reported", false)) c.report_rung(trial, rung, req.at("goal"), req.at("budget"));
      if (may_block) return json{{"continue", c.decide_blocking(trial, rung)}};
      if (auto d = c.try_decide(trial, rung)) return json{{"continue", *d}};
      return std::nullopt;
    }
    if (type == "end") {
      TrialResult r;
      r.spec = read_spec(req, "trial");
      read_outcome(req, &r);
      c.end(r);
      return json{{"ok", true}};
    }
    throw std::runtime_error("sweep coordinator: unknown request " + type);
  }

 private:
  Coordinator* local_;
  MPI_Comm comm_;
};

// World rank 0's server thread: answers the other leaders; rung decisions that must wait are
// kept and answered as soon as they can be.
void serve_remote(Coordinator& c, MPI_Comm comm, std::atomic<bool>& stop) {
  std::vector<std::pair<int, json>> waiting;  // (source rank, rung request already reported)
  auto reply = [&](int to, const json& j) {
    const std::string b = j.dump();
    MPI_Send(b.data(), static_cast<int>(b.size()), MPI_CHAR, to, kTagReply, comm);
  };
  while (!stop.load()) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(MPI_ANY_SOURCE, kTagRequest, comm, &flag, &st);
    if (flag) {
      int n = 0;
      MPI_Get_count(&st, MPI_CHAR, &n);
      std::string b(static_cast<size_t>(n), '\0');
      MPI_Recv(b.data(), n, MPI_CHAR, st.MPI_SOURCE, kTagRequest, comm, MPI_STATUS_IGNORE);
      json req = json::parse(b);
      if (auto r = CoordinatorLink::serve(c, req, false)) {
        reply(st.MPI_SOURCE, *r);
      } else {
        req["reported"] = true;
        waiting.emplace_back(st.MPI_SOURCE, req);
      }
    }
    for (size_t i = 0; i < waiting.size();) {
      if (auto r = CoordinatorLink::serve(c, waiting[i].second, false)) {
        reply(waiting[i].first, *r);
        waiting.erase(waiting.begin() + static_cast<long>(i));
      } else {
        ++i;
      }
    }
    if (!flag) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// What a trial needs of the group that runs it.
struct TrialGroup {
  dist::Group* world;
  dist::Group* group;    // the trial's ranks (training collectives)
  dist::Group* control;  // the same ranks, for the sweep's own messages
  CoordinatorLink* link;
  bool leader;           // group rank 0: talks to the coordinator
  std::vector<double> rungs;
  uint64_t base_seed;
  double max_budget;
};

// A trial's overrides of the base config: the fixed ones, its parameters, then what the sweep
// decides (seed, folder, metric). Only ASHA in epochs sets optim.epochs (to its budget); without
// ASHA a trial trains the base's epochs or its own searched ones.
std::vector<std::string> trial_overrides(const SweepConfig& s, const TrialSpec& spec, const TrialGroup& g) {
  std::vector<std::string> ov = trial_config_overrides(s, spec.params, g.max_budget);
  char trial_dir[32];
  std::snprintf(trial_dir, sizeof trial_dir, "trial-%04lld", static_cast<long long>(spec.id));
  ov.push_back("optim.seed=" + std::to_string(g.base_seed + static_cast<uint64_t>(spec.repeat)));
  ov.push_back("output_dir=" + (fs::path(s.output_dir) / "trials" / trial_dir).string());
  ov.push_back("log.progress=plain");
  return ov;
}

// A trial's on_eval: at each rung its budget passes, the leader asks the coordinator (ASHA) and
// the group follows the answer. Counts the evaluations.
std::function<bool(int64_t, double, double)> rung_decisions(const SweepConfig& s, const TrialSpec& spec,
                                                             const TrialGroup& g, int64_t* evaluations) {
  auto next = std::make_shared<size_t>(0);  // the next rung to reach, shared by the function's copies
  return [&s, &g, id = spec.id, evaluations, next](int64_t step, double epoch, double score) {
    ++*evaluations;
    const double budget = s.asha.unit == "epochs" ? epoch : static_cast<double>(step);
    size_t& next_rung = *next;
    while (next_rung < g.rungs.size() && budget >= g.rungs[next_rung] - 1e-9) {
      std::string d;
      if (g.leader)
        d = g.link->call({{"type", "rung"}, {"trial", id}, {"rung", next_rung}, {"goal", score}, {"budget", budget}})
                    .at("continue")
                    .get<bool>()
                ? "1"
                : "0";
      g.control->broadcast(d, 0, "sweep rung decision broadcast");
      if (d != "1") return false;
      ++next_rung;
    }
    return true;
  };
}

// A finished training's result. Without a dev evaluation its best score is the trainer's
// placeholder, not a result: the trial fails.
void read_summary(const SweepConfig& s, const TrainConfig& cfg, const TrainSummary& sum, int64_t evaluations,
                  TrialResult* res) {
  if (evaluations == 0) {
    const std::string why = !names_dev_split(cfg) ? "the config has no dev split (data.dev)" : "its dev split is empty";
    throw std::runtime_error("no dev evaluation ran in the trial's " + std::to_string(sum.steps) + " steps: " + why +
                             "; nothing to rank it by");
  }
  res->status = sum.stopped_by_callback ? "stopped" : "completed";
  res->metric = s.metric == "loss" ? -sum.best_score : sum.best_score;
  res->threshold = sum.best_threshold;
  res->steps = sum.steps;
  res->budget = s.asha.unit == "epochs" ? sum.epochs_trained : static_cast<double>(sum.steps);
}

// One trial on this group: its config (the base, the trial's parameters, its seed and folder),
// training with ASHA's rung decisions at each evaluation, and its result. A failure is the
// trial's, not the sweep's; a stop signal ends the sweep.
TrialResult run_trial(const SweepConfig& s, const TrialSpec& spec, const TrialGroup& g) {
  TrialResult res;
  res.spec = spec;
  res.ranks = g.group->size();
  try {
    // Set-up on every rank, then every rank learns whether all could start. (A barrier here left
    // the peers of a rank that failed, e.g. on a data path missing on its node, waiting in it
    // forever while that rank went on to the next trial's broadcast: control has no timeout.)
    std::optional<TrainConfig> loaded;
    std::string setup_error;
    try {
      maybe_inject_fault(g.world->rank(), 0);
      loaded = load_train_config(s.base_config, trial_overrides(s, spec, g));
      if (g.group->rank() == 0 && fs::exists(loaded->output_dir)) fs::remove_all(loaded->output_dir);  // a re-run starts afresh
    } catch (const std::exception& e) {
      setup_error = e.what();
      if (setup_error.empty()) setup_error = "failed";
    }
    const std::vector<std::string> errors = g.control->allgather(setup_error, "sweep trial start");
    for (size_t r = 0; r < errors.size(); ++r)
      if (!errors[r].empty())
        throw std::runtime_error(g.control->size() == 1 ? errors[r]
                                                        : "rank " + std::to_string(r) + " of the trial's group: " + errors[r]);
    const TrainConfig& cfg = *loaded;
    int64_t evaluations = 0;
    TrainOptions to;
    to.group = g.group;
    to.on_eval = rung_decisions(s, spec, g, &evaluations);
    if (s.asha.enabled && s.asha.unit == "steps") to.max_steps = static_cast<int64_t>(std::ceil(g.max_budget));
    const TrainSummary sum = run_training(cfg, to);
    if (sum.stop_signal) {
      // Preempted (or the launcher is ending the job): the trial did not end; it is not
      // recorded, so --resume runs it again. Other groups are mid-trial: end them all.
      const std::string why = "sweep interrupted by signal " + std::to_string(sum.stop_signal) + " during trial " +
                              std::to_string(spec.id) + " (not recorded; continue with --resume)";
      if (g.world->distributed()) dist::abort_job(why, 128 + sum.stop_signal);
      throw SweepInterrupted(why, sum.stop_signal);
    }
    read_summary(s, cfg, sum, evaluations, &res);
  } catch (const SweepInterrupted&) {
    throw;
  } catch (const std::exception& e) {
    res.status = "failed";
    res.error = e.what();
    spdlog::warn("sweep: trial {} failed: {}", spec.id, e.what());
  }
  return res;
}

}  // namespace

SweepSummary run_sweep(const SweepConfig& s, dist::Group& world, const SweepOptions& opts) {
  const int G = opts.ranks_per_trial;
  if (G < 1 || world.size() % G != 0)
    throw std::invalid_argument("sweep: --ranks-per-trial " + std::to_string(G) + " must divide the " +
                                std::to_string(world.size()) + " ranks");
  if (world.distributed()) {
    int level = 0;
    MPI_Query_thread(&level);
    if (level < MPI_THREAD_MULTIPLE)
      throw std::runtime_error("sweep: the coordinator thread needs MPI_THREAD_MULTIPLE; this MPI provides level " +
                               std::to_string(level));
  }
  const int groups = world.size() / G;
  const int group_index = world.rank() / G;
  const std::vector<TrialSpec> trials = make_trials(s);
  const TrainConfig base = load_train_config(s.base_config, s.fixed_overrides, /*check_files=*/false);
  if (!names_dev_split(base))
    throw InputError(s.base_config, 0, "data.dev",
                     "sweep " + s.file + " ranks its trials by their dev " + s.metric +
                         ", and this config (with the sweep's set:) has no dev split: give data.dev, or an input of "
                         "data.prepare with split: dev (or data.prepare.split.dev > 0)");
  const uint64_t base_seed = base.optim.seed;
  if (s.asha.enabled && s.asha.unit == "steps" && !(s.asha.max_budget > 0))  // load_sweep_config refuses it first
    throw InputError(s.file, 0, "asha.max_budget", "unit: steps needs max_budget, a full trial's optimizer steps");
  const double max_budget = s.asha.max_budget > 0 ? s.asha.max_budget
                            : s.asha.unit == "epochs" ? static_cast<double>(base.optim.epochs) : 0.0;
  SweepConfig sc = s;
  sc.asha.max_budget = max_budget;
  const std::vector<double> rungs = s.asha.enabled ? sc.asha.rungs() : std::vector<double>{};
  if (!s.asha.enabled) sc.asha.grace_period = max_budget + 1;  // no rungs

  std::unique_ptr<dist::Group> group = world.split(group_index, world.rank());
  // The sweep's own messages within a group (trial hand-out, rung decisions) travel on a
  // communicator of their own: should one rank of a group fail where the others are inside a
  // training collective, the leader's next message cannot be matched with that collective; the
  // others' wait then ends at comm.timeout_s with a message instead.
  std::unique_ptr<dist::Group> control = group->split(0, group->rank());
  // Its waits have no timeout: a leader may wait for a deterministic ASHA decision for as long as
  // a lower-numbered trial takes to reach its rung (a dead rank still ends the job: the launcher).
  control->set_timeout_s(0);
  MPI_Comm coord = MPI_COMM_NULL;
  if (world.distributed()) MPI_Comm_dup(world.comm(), &coord);

  std::unique_ptr<Coordinator> coordinator;
  std::exception_ptr setup_error;
  if (world.rank() == 0) {
    try {
      coordinator = std::make_unique<Coordinator>(sc, trials, groups, opts.resume, opts.retry_failed);
    } catch (...) {
      setup_error = std::current_exception();
    }
  }
  std::vector<int64_t> ok = {setup_error ? 0 : 1};
  world.allreduce(ok, dist::ReduceOp::Min, "sweep start");
  if (setup_error) std::rethrow_exception(setup_error);
  if (!ok[0]) throw std::runtime_error("sweep: rank 0 could not start the sweep (see its message)");

  std::atomic<bool> stop_server{false};
  std::thread server;
  if (coordinator && world.distributed())
    server = std::thread([&] {
      try {
        serve_remote(*coordinator, coord, stop_server);
      } catch (const std::exception& e) {
        dist::abort_job(std::string("sweep coordinator failed: ") + e.what());
      }
    });

  // This group's world ranks (for the journal and the log).
  std::vector<int> ranks;
  for (const std::string& r : control->allgather(std::to_string(world.rank()), "sweep group ranks"))
    ranks.push_back(std::stoi(r));
  const bool leader = group->rank() == 0;
  CoordinatorLink link(world.rank() == 0 ? coordinator.get() : nullptr, coord);
  const TrialGroup g{&world, group.get(), control.get(), &link, leader, rungs, base_seed, max_budget};

  for (;;) {
    std::string msg;
    if (leader) msg = link.call({{"type", "next"}, {"group", group_index}, {"ranks", ranks}}).dump();
    control->broadcast(msg, 0, "sweep trial broadcast");
    const json t = json::parse(msg);
    if (t.at("type") == "done") break;
    const TrialSpec spec = read_spec(t, "id");
    const TrialResult res = run_trial(s, spec, g);
    if (leader) {
      json end = outcome_json(res);
      end.update(spec_json(spec, "trial"));
      end["type"] = "end";
      link.call(end);
    }
  }

  SweepSummary out;
  out.output_dir = s.output_dir;
  if (coordinator) {
    while (!coordinator->all_groups_done()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  world.set_timeout_s(0);  // groups finish at their own pace: no collective timeout here
  world.barrier("sweep end");
  if (server.joinable()) {
    stop_server = true;
    server.join();
  }
  if (coord != MPI_COMM_NULL) MPI_Comm_free(&coord);
  if (coordinator) {
    const std::vector<TrialResult> results = coordinator->results();
    out.trials = static_cast<int>(results.size());
    for (const TrialResult& r : results) {
      out.completed += r.status == "completed";
      out.stopped += r.status == "stopped";
      out.failed += r.status == "failed";
    }
    out.skipped_done = coordinator->skipped_done();
    out.leaderboard_md = write_leaderboard(s, results, s.output_dir);
    if (out.completed > 0) out.best_config = (fs::path(s.output_dir) / "best_config.yaml").string();
  }
  return out;
}

}  // namespace gtrain
