// Sweep pieces without training: sweep-file errors, trial generation (grid, random, repeats),
// deterministic ASHA decisions, the journal's torn-line tolerance, the leaderboard.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "io/input_error.h"
#include "search/asha.h"
#include "search/journal.h"
#include "search/leaderboard.h"
#include "config/train_config.h"
#include "search/sweep_config.h"

namespace fs = std::filesystem;
using namespace gtrain;

namespace {

struct SweepTest : ::testing::Test {
  fs::path dir;
  void SetUp() override {
    dir = fs::temp_directory_path() / ("gtrain-sweep-test-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / "base.yaml") << "model: {tokenizer: spm.model}\ndata: {train: train.h5}\noptim: {seed: 40, epochs: 6}\noutput_dir: run\n";
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string write(const std::string& text) {
    const std::string p = (dir / "sweep.yaml").string();
    std::ofstream(p) << text;
    return p;
  }
  // One result per trial of `s`, in trial order: how each ended and its metric.
  static std::vector<TrialResult> results(const SweepConfig& s, const std::vector<std::string>& status,
                                          const std::vector<double>& metric, int ranks = 1) {
    const auto t = make_trials(s);
    std::vector<TrialResult> r(t.size());
    for (size_t i = 0; i < t.size(); ++i) {
      r[i].spec = t[i];
      r[i].status = status.at(i);
      r[i].metric = metric.at(i);
      r[i].ranks = ranks;
    }
    return r;
  }
  void expect_error(const std::string& text, const std::string& needle) {
    try {
      load_sweep_config(write(text));
      FAIL() << "accepted:\n" << text;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
};

}  // namespace

TEST_F(SweepTest, RandomTrialsAreReproducibleInRangeAndRepeated) {
  const std::string p = write(
      "base: base.yaml\nspace:\n  optim.head_lr: {type: log_uniform, low: 1.0e-4, high: 1.0e-2}\n"
      "  optim.batch_size: {type: int, low: 4, high: 6}\n  optim.schedule: {type: choice, values: [linear, cosine]}\n"
      "  optim.warmup_ratio: {type: uniform, low: 0.0, high: 0.2}\n"
      "trials: 5\nrepeats: 3\nseed: 9\nasha: {grace_period: 1, reduction_factor: 2, max_budget: 8}\n");
  const SweepConfig s = load_sweep_config(p);
  EXPECT_TRUE(s.asha.enabled);
  EXPECT_EQ(s.asha.rungs(), (std::vector<double>{1, 2, 4}));
  const auto a = make_trials(s), b = make_trials(load_sweep_config(p));
  ASSERT_EQ(a.size(), 15u);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, static_cast<int64_t>(i));
    EXPECT_EQ(a[i].config_index, static_cast<int64_t>(i / 3));
    EXPECT_EQ(a[i].repeat, static_cast<int64_t>(i % 3));
    EXPECT_EQ(a[i].params, b[i].params);                 // same file, same trials
    EXPECT_EQ(a[i].params, a[i - i % 3].params);          // repeats share the configuration
    ASSERT_EQ(a[i].params.size(), 4u);
    const double lr = std::stod(a[i].params[0].substr(a[i].params[0].find('=') + 1));
    EXPECT_GE(lr, 1e-4);
    EXPECT_LE(lr, 1e-2);
    const int bs = std::stoi(a[i].params[1].substr(a[i].params[1].find('=') + 1));
    EXPECT_TRUE(bs >= 4 && bs <= 6) << a[i].params[1];
  }
  EXPECT_NE(a[0].params, a[3].params);
}

TEST_F(SweepTest, GridIsTheProduct) {
  const SweepConfig s = load_sweep_config(write(
      "base: base.yaml\nmethod: grid\nspace:\n  optim.encoder_lr: {type: choice, values: [1.0e-5, 2.0e-5]}\n"
      "  optim.grad_accum: {type: int, low: 1, high: 3}\n"));
  const auto t = make_trials(s);
  ASSERT_EQ(t.size(), 6u);
  EXPECT_EQ(t[0].params, (std::vector<std::string>{"optim.encoder_lr=1.0e-5", "optim.grad_accum=1"}));
  EXPECT_EQ(t[5].params, (std::vector<std::string>{"optim.encoder_lr=2.0e-5", "optim.grad_accum=3"}));
}

TEST_F(SweepTest, BadFilesNameTheKey) {
  expect_error("base: base.yaml\nspace: {optim.head_lr: {type: log_uniform, low: 0, high: 1}}\n", "space.optim.head_lr.low");
  expect_error("base: base.yaml\nspace: {optim.head_lr: {type: log_unifrom, low: 0, high: 1}}\n", "did you mean 'log_uniform'");
  expect_error("base: base.yaml\nspace: {}\n", "space");
  expect_error("base: nowhere.yaml\nspace: {optim.seed: {type: int, low: 1, high: 2}}\n", "nowhere.yaml");
  expect_error("base: base.yaml\nspace: {optim.seed: {type: int, low: 1, high: 2}}\nrepats: 3\n", "did you mean 'repeats'");
  expect_error("base: base.yaml\nmethod: grid\nspace: {optim.head_lr: {type: uniform, low: 0.1, high: 1}}\n", "grid search");
  expect_error("base: base.yaml\nspace: {optim.seed: {type: int, low: 1, high: 2}}\nmetric: f1\n", "metric");
  expect_error("base: base.yaml\nspace: {optim.seed: {type: int, low: 1, high: 2}}\nasha: {reduction_factor: 1}\n",
               "asha.reduction_factor");
  // A budget in steps has no default (steps per epoch depend on the data, the batch, the ranks).
  expect_error("base: base.yaml\nspace: {optim.seed: {type: int, low: 1, high: 2}}\nasha: {unit: steps}\n",
               "asha.max_budget");
}

// `set:` and `space:` keys and values go through the base config's parser when the sweep file is
// loaded: a typo or a bad value is refused naming the sweep file and the key, before any trial runs
// (each trial used to fail with it); `set:` takes lists as --set does; a searched optim.seed, which
// the sweep's own seed + repeat would replace, is refused.
TEST_F(SweepTest, KeysAndValuesAreCheckedAgainstTheBaseConfig) {
  const std::string space = "space: {optim.head_lr: {type: choice, values: [1.0e-3]}}\n";
  expect_error("base: base.yaml\nspace: {optim.head_lrr: {type: choice, values: [1.0e-3]}}\n",
               "sweep.yaml:2: field 'space.optim.head_lrr'");
  expect_error("base: base.yaml\nspace: {optim.head_lrr: {type: choice, values: [1.0e-3]}}\n",
               "did you mean 'optim.head_lr'");
  // A dimension's values are checked by its trials: one may be valid only with another's.
  EXPECT_NO_THROW(load_sweep_config(write(
      "base: base.yaml\nmethod: grid\nspace:\n  model.encoder.hidden_size: {type: choice, values: [384, 768]}\n"
      "  model.encoder.num_heads: {type: choice, values: [6, 12]}\n")));
  // A fixed value that clashes with the base is set:'s error, not the base file's.
  expect_error("base: base.yaml\nset: {model.encoder.num_heads: 5}\n" + space, "sweep.yaml:2: field 'set'");
  expect_error("base: base.yaml\nset: {optim.encoder_lrr: 1.0e-5}\n" + space, "sweep.yaml:2: field 'set'");
  expect_error("base: base.yaml\nspace: {optim.seed: {type: choice, values: [1, 2]}}\n", "repeats: N");
  const SweepConfig s = load_sweep_config(write("base: base.yaml\nset: {eval.thresholds: [0.3, 0.5]}\n" + space));
  const TrainConfig c = load_train_config((dir / "base.yaml").string(), s.fixed_overrides, false);
  EXPECT_EQ(c.eval.thresholds, (std::vector<double>{0.3, 0.5}));
}

// gtrain sweep --set / --output-dir: every trial's keys after the file's set:, checked like it;
// a searched key is refused (the space would replace it in every trial).
TEST_F(SweepTest, CommandLineSetAndOutputDir) {
  SweepConfig s = load_sweep_config(write(
      "base: base.yaml\nset: {optim.epochs: 3}\nspace: {optim.head_lr: {type: choice, values: [1.0e-3]}}\n"));
  apply_sweep_command_line(&s, {"optim.epochs=2", "data.cache_dir=/scratch/cache"}, "elsewhere/sw");
  const TrainConfig c = load_train_config((dir / "base.yaml").string(), s.fixed_overrides, false);
  EXPECT_EQ(c.optim.epochs, 2);  // after the file's set:
  EXPECT_EQ(c.data.cache_dir, "/scratch/cache");
  EXPECT_EQ(s.output_dir, (fs::current_path() / "elsewhere/sw").lexically_normal().string());
  auto refused = [&](const std::string& kv, const std::string& needle) {
    SweepConfig t = load_sweep_config((dir / "sweep.yaml").string());
    try {
      apply_sweep_command_line(&t, {kv}, "");
      ADD_FAILURE() << "accepted --set " << kv;
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  refused("optim.head_lr=0.1", "searched by the sweep's space");
  refused("optim.head_lrr=0.1", "optim.head_lr");  // the base parser's did-you-mean
  refused("optim.epochs", "expected key=value");
}

TEST_F(SweepTest, AshaInEpochsRefusesASearchedEpochs) {
  // ASHA in epochs trains every trial for max_budget epochs: a searched optim.epochs would be replaced.
  expect_error("base: base.yaml\nspace: {optim.epochs: {type: choice, values: [1, 3]}}\nasha: {max_budget: 4}\n",
               "space.optim.epochs");
  expect_error("base: base.yaml\nspace: {optim.epochs: {type: int, low: 1, high: 3}}\nasha: {enabled: true}\n",
               "asha: {enabled: false}");
  // Without ASHA each trial trains its own epochs.
  const SweepConfig s = load_sweep_config(
      write("base: base.yaml\nspace: {optim.epochs: {type: choice, values: [1, 3]}}\nasha: {enabled: false}\n"));
  EXPECT_FALSE(s.asha.enabled);
}

TEST(Asha, DecisionsAreDeterministicAndWaitForLowerTrials) {
  AshaScheduler a({1, 2}, 2.0);
  a.report(0, 0, 0.5);
  EXPECT_EQ(a.decide(0, 0), std::optional<bool>(true));  // alone: the cutoff is itself
  a.report(2, 0, 0.9);
  EXPECT_EQ(a.decide(2, 0), std::nullopt);               // trial 1 may still report at rung 0
  a.report(1, 0, 0.1);
  double cutoff = 0;
  EXPECT_EQ(a.decide(1, 0, &cutoff), std::optional<bool>(false));  // below the median of {0.5, 0.1}
  EXPECT_DOUBLE_EQ(cutoff, 0.3);
  EXPECT_EQ(a.decide(2, 0), std::optional<bool>(true));   // 0.9 >= median of {0.5, 0.1, 0.9}
  a.ended(1);                                             // stopped at rung 0: never reaches rung 1
  a.report(2, 1, 0.8);
  EXPECT_EQ(a.decide(2, 1), std::nullopt);                // trial 0 still running
  a.report(0, 1, 0.7);
  EXPECT_EQ(a.decide(2, 1), std::optional<bool>(true));
  EXPECT_EQ(a.decide(0, 1), std::optional<bool>(true));
  // The same reports in another order give the same decisions.
  AshaScheduler b({1, 2}, 2.0);
  b.report(1, 0, 0.1);
  b.report(2, 0, 0.9);
  b.report(0, 0, 0.5);
  EXPECT_EQ(b.decide(1, 0), std::optional<bool>(false));
  EXPECT_EQ(b.decide(2, 0), std::optional<bool>(true));
  EXPECT_THROW(b.decide(3, 0), std::logic_error);
}

TEST_F(SweepTest, JournalSkipsATornLastLine) {
  const std::string p = (dir / "journal.jsonl").string();
  {
    SweepJournal j(p);
    j.write({{"event", "a"}, {"n", 1}});
    j.write({{"event", "b"}});
  }
  std::ofstream(p, std::ios::app) << "{\"event\":\"tor";
  const auto r = SweepJournal::read(p);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1]["event"], "b");
  std::ofstream(p, std::ios::app) << "\n{\"event\":\"c\"}\n";
  EXPECT_THROW(SweepJournal::read(p), std::runtime_error);  // a bad line that is not the last
  EXPECT_TRUE(SweepJournal::read((dir / "none.jsonl").string()).empty());
}

TEST_F(SweepTest, ResumeRefusesAJournalOfOtherTrials) {
  const std::string grid = "base: base.yaml\nspace: {optim.head_lr: {type: choice, values: [1.0e-3, 2.0e-3]}}\n"
                           "method: grid\nrepeats: 2\n";
  const SweepConfig s = load_sweep_config(write(grid));
  const auto trials = make_trials(s);
  std::vector<nlohmann::json> journal = {{{"event", "sweep"}, {"trials", 4}, {"set", nlohmann::json::array()},
                                          {"metric", "micro_f1"}, {"asha", false}, {"rungs", nlohmann::json::array()}}};
  for (const TrialSpec& t : trials) {
    journal.push_back({{"event", "trial_start"}, {"trial", t.id}, {"params", t.params}, {"repeat", t.repeat}});
    journal.push_back({{"event", "trial_end"}, {"trial", t.id}, {"status", "completed"}, {"metric", 0.5}});
  }
  EXPECT_NO_THROW(check_journal_matches("out/journal.jsonl", journal, s, trials));
  auto refused = [&](const std::string& text, const std::string& needle) {
    const SweepConfig e = load_sweep_config(write(text));
    try {
      check_journal_matches("out/journal.jsonl", journal, e, make_trials(e));
      ADD_FAILURE() << "accepted:\n" << text;
    } catch (const std::runtime_error& err) {
      const std::string m = err.what();
      EXPECT_NE(m.find("out/journal.jsonl"), std::string::npos) << m;
      EXPECT_NE(m.find(needle), std::string::npos) << m;
    }
  };
  // A value changed: trial 0 would get another trial's score.
  refused("base: base.yaml\nspace: {optim.head_lr: {type: choice, values: [5.0e-3, 2.0e-3]}}\nmethod: grid\nrepeats: 2\n",
          "trial 0 ran with {optim.head_lr=1.0e-3} (repeat 0), and the file now makes it {optim.head_lr=5.0e-3}");
  // A value dropped: trials 2 and 3 no longer exist (the journal's ids were looked up unchecked).
  refused("base: base.yaml\nspace: {optim.head_lr: {type: choice, values: [1.0e-3]}}\nmethod: grid\nrepeats: 2\n",
          "trial 2, and the file now makes 2 trials");
  // Fewer repeats: the same ids are other configurations.
  refused("base: base.yaml\nspace: {optim.head_lr: {type: choice, values: [1.0e-3, 2.0e-3]}}\nmethod: grid\n", "trial 1");
  // The trials alike, but their fixed overrides, metric or ASHA changed.
  refused(grid + "set: {optim.epochs: 3}\n", "optim.epochs=3");
  refused(grid + "metric: loss\n", "ranked by micro_f1");
  refused(grid + "asha: {enabled: true, max_budget: 9}\n", "ASHA rungs");
  // More configurations than the journal's sweep: its trials match, its count does not.
  refused("base: base.yaml\nspace: {optim.head_lr: {type: choice, values: [1.0e-3, 2.0e-3, 3.0e-3]}}\nmethod: grid\n"
          "repeats: 2\n",
          "a sweep of 4 trials, and the file now makes 6");
}

// With ASHA and repeats, a configuration whose other seed ASHA stopped ranks below one whose seeds
// all completed, whatever its survivor scored (before 2026-12-07 config 0's lucky seed won, and
// best_config.yaml rested on that one run).
TEST_F(SweepTest, LeaderboardRanksConfigsThatLostSeedsToAshaLast) {
  const SweepConfig s = load_sweep_config(write(
      "base: base.yaml\nspace: {optim.head_lr: {type: choice, values: [1.0e-3, 2.0e-3]}}\nmethod: grid\nrepeats: 2\n"
      "asha: {grace_period: 1, reduction_factor: 2, max_budget: 4}\noutput_dir: out-asha\n"));
  const std::vector<TrialResult> r =
      results(s, {"completed", "stopped", "completed", "completed"}, {0.1622, 0.0267, 0.0224, 0.0898});
  const auto sums = summarize(s, r);
  ASSERT_EQ(sums.size(), 2u);
  EXPECT_EQ(sums[0].config_index, 1);
  EXPECT_NEAR(sums[0].mean, 0.0561, 1e-9);
  EXPECT_EQ(sums[1].config_index, 0);
  EXPECT_EQ(sums[1].stopped, 1);
  write_leaderboard(s, r, s.output_dir);
  std::ifstream best(fs::path(s.output_dir) / "best_config.yaml");
  std::string text((std::istreambuf_iterator<char>(best)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("(config 1: micro_f1 0.0561 ± 0.0477 over 2 run(s))"), std::string::npos) << text;
}

TEST_F(SweepTest, LeaderboardRanksAndSummarises) {
  const SweepConfig s = load_sweep_config(write(
      "base: base.yaml\nspace: {optim.head_lr: {type: choice, values: [1.0e-3, 2.0e-3]}}\nmethod: grid\nrepeats: 2\n"
      "output_dir: out\n"));
  std::vector<TrialResult> r = results(s, {"completed", "completed", "completed", "failed"}, {0.7, 0.8, 0.9, 0.5}, 2);
  r[3].error = "loss is not finite";
  const auto sums = summarize(s, r);
  ASSERT_EQ(sums.size(), 2u);
  EXPECT_EQ(sums[0].config_index, 1);  // 0.9 (one completed) beats 0.75 ± 0.07
  EXPECT_DOUBLE_EQ(sums[1].mean, 0.75);
  EXPECT_NEAR(sums[1].std, 0.0707107, 1e-6);
  const std::string md = write_leaderboard(s, r, s.output_dir);
  EXPECT_NE(md.find("| 1 | 2 | 1 | 0 | completed | 0.9000"), std::string::npos) << md;
  EXPECT_NE(md.find("failed: loss is not finite"), std::string::npos) << md;
  // Config 1 has one completed run: its mean alone (a "± 0.0000" would claim a spread measured);
  // config 0 two: mean ± std.
  EXPECT_NE(md.find("| 1 | 0.9000 | 1 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 0 | 0.7500 ± 0.0707 | 2 |"), std::string::npos) << md;
  std::ifstream csv(fs::path(s.output_dir) / "leaderboard.csv");
  std::string header, first;
  std::getline(csv, header);
  std::getline(csv, first);
  EXPECT_EQ(first.substr(0, 16), "1,2,1,0,complete");
  std::ifstream best(fs::path(s.output_dir) / "best_config.yaml");
  std::string text((std::istreambuf_iterator<char>(best)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("head_lr: 0.002"), std::string::npos) << text;
  // A folder of its own: the base's output_dir may hold another run's checkpoints.
  EXPECT_NE(text.find((fs::path(s.output_dir) / "best-run").string()), std::string::npos) << text;
}

TEST(ShippedSweeps, ParseAndGenerateTrials) {
  const fs::path dir = fs::path(GTRAIN_SOURCE_DIR) / "configs" / "sweeps";
  int n = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    if (f.path().extension() != ".yaml") continue;
    SCOPED_TRACE(f.path().string());
    SweepConfig s;
    ASSERT_NO_THROW(s = load_sweep_config(f.path().string()));
    EXPECT_FALSE(make_trials(s).empty());
    ++n;
  }
  EXPECT_GE(n, 3);
}
