// The trainer end to end on a tiny from-scratch model: resume determinism, overfitting a few
// examples, TensorBoard/metrics output, checkpoint atomicity under kill -9.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "config/train_config.h"
#include "data/gliner2_prompt.h"
#include "io/input_error.h"
#include "data/hdf5_store.h"
#include "data/prepare.h"
#include "model/deberta_config.h"
#include "model/encoder_config.h"
#include "model/export_model.h"
#include "io/tensorboard_writer.h"
#include "model/state_dict.h"
#include "model/tensor_io.h"
#include "support/file_bytes.h"
#include "text/sentencepiece_tokenizer.h"
#include "text/utf8.h"
#include "train/checkpoint.h"
#include "infer/predictor.h"
#include "train/trainer.h"

namespace fs = std::filesystem;
using namespace gtrain;

namespace {

const std::string kSrc = GTRAIN_SOURCE_DIR;

// One tokenizer and one small prepared dataset for the whole binary.
struct TinyData {
  std::string dir, spm, train_h5, dev_h5, overfit_h5;
};

void head_lines(const std::string& from, const std::string& to, int n) {
  std::ifstream in(from);
  std::ofstream out(to);
  std::string line;
  for (int i = 0; i < n && std::getline(in, line); ++i) out << line << "\n";
}

// Removes the shared temp dir when the test process ends.
struct RemoveAtExit {
  std::string dir;
  ~RemoveAtExit() {
    std::error_code ec;
    if (!dir.empty()) fs::remove_all(dir, ec);
  }
};

const TinyData& tiny_data() {
  static RemoveAtExit cleanup;
  static TinyData d = [] {
    TinyData t;
    t.dir = (fs::temp_directory_path() / ("gtrain-trainer-test-" + std::to_string(::getpid()))).string();
    fs::create_directories(t.dir);
    train_sentencepiece(kSrc + "/data/ko-medical/raw.txt", t.dir + "/spm", 400, "unigram", 0.9995, false);
    t.spm = t.dir + "/spm.model";
    head_lines(kSrc + "/data/ko-medical/train.jsonl", t.dir + "/train.jsonl", 48);
    head_lines(kSrc + "/data/ko-medical/dev.jsonl", t.dir + "/dev.jsonl", 16);
    head_lines(kSrc + "/data/ko-medical/train.jsonl", t.dir + "/overfit.jsonl", 6);
    PrepareConfig pc;
    pc.tokenizer = t.spm;
    pc.inputs = {PrepareInput{t.dir + "/train.jsonl", "gliner2", "", 1.0f, false, "train"},
                 PrepareInput{t.dir + "/dev.jsonl", "gliner2", "", 1.0f, false, "dev"},
                 PrepareInput{t.dir + "/overfit.jsonl", "gliner2", "", 1.0f, false, "overfit"}};
    pc.output_dir = t.dir + "/data";
    prepare(pc);
    t.train_h5 = pc.output_dir + "/train.h5";
    t.dev_h5 = pc.output_dir + "/dev.h5";
    t.overfit_h5 = pc.output_dir + "/overfit.h5";
    cleanup.dir = t.dir;
    return t;
  }();
  return d;
}

// A test run's optimiser: one learning rate for the encoder and the heads.
void set_optim(OptimConfig* o, int epochs, int batch_size, int grad_accum, double lr) {
  o->epochs = epochs;
  o->batch_size = batch_size;
  o->grad_accum = grad_accum;
  o->encoder_lr = o->head_lr = lr;
}

TrainConfig tiny_config(const std::string& out, const EncoderShape& encoder = EncoderShape{32, 1, 2, 64, 16, -1}) {
  const TinyData& d = tiny_data();
  TrainConfig c;
  c.model.tokenizer = d.spm;
  c.model.encoder = encoder;
  c.data.train = d.train_h5;
  c.data.dev = d.dev_h5;
  set_optim(&c.optim, 2, 8, 2, 1e-3);
  c.log.every_steps = 1;
  c.log.progress = ProgressMode::Plain;
  c.early_stopping.patience = 0;
  c.checkpoint.keep_last = 0;
  c.output_dir = out;
  return c;
}

// A tiny run long enough to score above 0 (an untrained model's F1 of 0 would compare nothing),
// for the tests that reload what it wrote.
TrainConfig scoring_config(const std::string& out) {
  TrainConfig c = tiny_config(out);
  c.model.encoder.hidden_size = 64;
  c.log.every_steps = 0;
  set_optim(&c.optim, 8, c.optim.batch_size, 1, 3e-3);
  return c;
}

// Exports run/best to run/exported (export_model) and returns the exported folder.
std::string export_best(const std::string& run) {
  ExportRequest er;
  er.model_dir = run + "/best";
  er.out_dir = run + "/exported";
  export_model(er);
  return er.out_dir;
}

// The lines of a run's metrics.jsonl for one split ("train", "dev").
std::vector<nlohmann::json> metrics_lines(const std::string& run_dir, const std::string& split) {
  std::ifstream f(run_dir + "/metrics.jsonl");
  std::vector<nlohmann::json> v;
  for (std::string line; std::getline(f, line);) {
    nlohmann::json j = nlohmann::json::parse(line);
    if (j["split"] == split) v.push_back(std::move(j));
  }
  return v;
}

std::vector<double> train_losses(const std::string& run_dir) {
  std::vector<double> v;
  for (const auto& j : metrics_lines(run_dir, "train")) v.push_back(j["loss"].get<double>());
  return v;
}

}  // namespace

TEST(Trainer, ResumeContinuesExactly) {
  const std::string base = tiny_data().dir;
  TrainConfig a = tiny_config(base + "/run-straight");
  TrainSummary sa = run_training(a, {});
  ASSERT_GT(sa.steps, 3);

  TrainConfig b = tiny_config(base + "/run-resumed");
  TrainOptions first;
  first.stop_after_steps = sa.steps / 2;
  TrainSummary sb1 = run_training(b, first);
  EXPECT_EQ(sb1.steps, sa.steps / 2);
  TrainOptions second;
  second.resume = true;
  TrainSummary sb2 = run_training(b, second);
  EXPECT_EQ(sb2.steps, sa.steps);

  const std::vector<double> la = train_losses(a.output_dir), lb = train_losses(b.output_dir);
  ASSERT_EQ(la.size(), static_cast<size_t>(sa.steps));
  ASSERT_EQ(lb.size(), la.size());
  for (size_t i = 0; i < la.size(); ++i) EXPECT_EQ(la[i], lb[i]) << "step " << i + 1;

  const std::string last = "/checkpoint-" + std::to_string(sa.steps) + "/model.safetensors";
  auto wa = load_safetensors(a.output_dir + last), wb = load_safetensors(b.output_dir + last);
  ASSERT_EQ(wa.size(), wb.size());
  for (auto& [name, t] : wa) EXPECT_TRUE(torch::equal(t, wb.at(name))) << name;
}

TEST(Trainer, FreshRunRefusesAnEarlierRunsCheckpoints) {
  // Started afresh among another run's checkpoints, a run pruned its own and, resumed, continued
  // the other one: it is refused, naming --resume; --resume continues.
  const std::string base = tiny_data().dir;
  TrainConfig c = tiny_config(base + "/run-reused");
  c.optim.epochs = 1;
  run_training(c, {});
  try {
    run_training(c, {});
    FAIL() << "a fresh run started over an earlier run's checkpoints";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("--resume"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checkpoint-"), std::string::npos) << e.what();
  }
  TrainOptions resume;
  resume.resume = true;
  EXPECT_NO_THROW(run_training(c, resume));
}

TEST(Trainer, ResumingAnEarlyStoppedRunFinishesIt) {
  const std::string base = tiny_data().dir;
  TrainConfig c = tiny_config(base + "/run-early-stopped");
  c.optim.epochs = 6;
  c.early_stopping.patience = 1;
  c.early_stopping.min_delta = 1.0;  // no evaluation after the first improves by that much
  TrainSummary first = run_training(c, {});
  const size_t logged = train_losses(c.output_dir).size();
  ASSERT_LT(first.epochs_trained, 6.0) << "the run did not stop early";
  TrainOptions resume;
  resume.resume = true;
  TrainSummary again = run_training(c, resume);
  EXPECT_EQ(again.steps, first.steps);
  EXPECT_EQ(train_losses(c.output_dir).size(), logged) << "the resumed run trained on";
}

std::vector<int64_t> dev_steps(const std::string& run_dir) {
  std::vector<int64_t> v;
  for (const auto& j : metrics_lines(run_dir, "dev")) v.push_back(j["step"].get<int64_t>());
  return v;
}

// A run killed after a dev improvement that no checkpoint has seen resumes with its checkpoint's
// best: best/ holds the weights of the step its gtrain.json names. (Before, output_dir's
// best_state.safetensors, the later improvement's weights, was exported under the checkpoint's
// best step, threshold and score whenever the resumed run did not improve on it again.)
TEST(Trainer, ResumeAfterAKillKeepsTheCheckpointsBest) {
  TrainConfig c = tiny_config(tiny_data().dir + "/run-best-after-kill");
  c.optim.epochs = 4;  // 12 steps
  c.early_stopping.metric = "loss";  // falls over the first steps: each evaluation improves
  c.eval.every_steps = 2;
  c.checkpoint.every_steps = 4;
  TrainOptions first;
  first.stop_after_steps = 7;
  run_training(c, first);
  // What a kill after step 7 leaves: checkpoint-4, and the best weights of step 6.
  fs::remove_all(c.output_dir + "/checkpoint-7");
  const std::vector<int64_t> evals = dev_steps(c.output_dir);
  ASSERT_EQ(evals, (std::vector<int64_t>{2, 4, 6}));
  std::ifstream state_file(c.output_dir + "/checkpoint-4/state.json");
  ASSERT_EQ(nlohmann::json::parse(state_file)["best_step"].get<int64_t>(), 4);
  const auto at_step_4 = load_safetensors(c.output_dir + "/checkpoint-4/model.safetensors");
  auto same_weights = [&](const std::map<std::string, torch::Tensor>& w) {
    int compared = 0;
    for (const auto& [name, t] : at_step_4) {
      auto it = w.find(name);
      if (it == w.end()) continue;
      if (!torch::equal(t, it->second)) return false;
      ++compared;
    }
    return compared > static_cast<int>(at_step_4.size()) / 2;
  };
  ASSERT_FALSE(same_weights(load_safetensors(c.output_dir + "/best_state.safetensors")))
      << "step 6 did not improve on step 4: the test shows nothing";

  c.early_stopping.min_delta = 1e9;  // the resumed run improves on nothing
  TrainOptions resume;
  resume.resume = true;
  run_training(c, resume);
  std::ifstream info(c.output_dir + "/best/gtrain.json");
  const nlohmann::json best_info = nlohmann::json::parse(info);
  EXPECT_EQ(best_info["step"].get<int64_t>(), 4);
  // Its score is the metric's value, the dev loss of step 4 (it was that loss negated, -9.9 for 9.9).
  double loss_at_4 = -1;
  for (const auto& j : metrics_lines(c.output_dir, "dev"))
    if (j["step"].get<int64_t>() == 4) loss_at_4 = j["loss"].get<double>();
  ASSERT_GT(loss_at_4, 0);
  EXPECT_NEAR(best_info["score"].get<double>(), loss_at_4, 1e-9 * loss_at_4);
  EXPECT_TRUE(same_weights(load_safetensors(c.output_dir + "/best_state.safetensors")));
  EXPECT_TRUE(same_weights(load_safetensors(c.output_dir + "/best/model.safetensors")));
  std::ifstream report(c.output_dir + "/dev_report.json");
  EXPECT_EQ(nlohmann::json::parse(report)["meta"]["step"].get<int64_t>(), 4);
}

// --auto-resume after a kill between a checkpoint's two renames (only checkpoint-N.old.<pid> is
// left): the copy is put back first, then the run resumes from it (it used to decide before the
// clean-up, start from step 0 and write its checkpoints beside the old one).
TEST(Trainer, AutoResumePutsBackAKilledWritersCheckpointFirst) {
  TrainConfig c = tiny_config(tiny_data().dir + "/run-auto-resume");
  TrainOptions first;
  first.stop_after_steps = 2;
  run_training(c, first);
  pid_t dead = ::fork();
  if (dead == 0) ::_exit(0);
  ::waitpid(dead, nullptr, 0);
  fs::rename(c.output_dir + "/checkpoint-2", c.output_dir + "/checkpoint-2.old." + std::to_string(dead));
  TrainOptions again;
  again.auto_resume = true;
  again.stop_after_steps = 3;
  const TrainSummary s = run_training(c, again);
  EXPECT_EQ(s.steps, 3);
  EXPECT_EQ(train_losses(c.output_dir).size(), 3u) << "steps 1 and 2 were trained again";
  EXPECT_TRUE(fs::exists(c.output_dir + "/checkpoint-2"));
  EXPECT_TRUE(fs::exists(c.output_dir + "/checkpoint-3"));
}

// With eval.every_steps, the steps after its last multiple are evaluated too, after the last step.
TEST(Trainer, EveryStepsEvaluationAlsoScoresTheLastStep) {
  TrainConfig c = tiny_config(tiny_data().dir + "/run-eval-last");
  c.eval.every_steps = 4;  // 6 steps
  run_training(c, {});
  EXPECT_EQ(dev_steps(c.output_dir), (std::vector<int64_t>{4, 6}));
}

// A model trained on files prepared apart (data.train: x.h5) exports the window stride they
// were prepared with, which predict uses (it used to export 16 whatever the files said).
TEST(Trainer, ExportsTheWindowStrideTheDataWasPreparedWith) {
  const TinyData& d = tiny_data();
  PrepareConfig pc;
  pc.tokenizer = d.spm;
  pc.window_stride = 40;
  pc.inputs = {PrepareInput{d.dir + "/train.jsonl", "gliner2", "", 1.0f, false, "train"}};
  pc.output_dir = d.dir + "/stride-40";
  prepare(pc);
  TrainConfig c = tiny_config(d.dir + "/run-stride");
  c.data.train = pc.output_dir + "/train.h5";
  c.data.dev.clear();
  c.optim.epochs = 1;
  run_training(c, {});
  std::ifstream info(c.output_dir + "/best/gtrain.json");
  EXPECT_EQ(nlohmann::json::parse(info)["window_stride"].get<int>(), 40);
}

TEST(Trainer, TestSplitIsScoredAtTheShippedThresholdEvenOutsideTheSweep) {
  // No dev split: the model ships with threshold 0.5, which the sweep below does not hold; the
  // test score printed and returned is the one at 0.5, not at the sweep's first threshold.
  const TinyData& d = tiny_data();
  TrainConfig c = tiny_config(d.dir + "/run-no-dev");
  c.data.dev.clear();
  c.data.test = d.dev_h5;
  c.optim.epochs = 1;
  c.eval.thresholds = {0.1, 0.2, 0.3};
  TrainSummary s = run_training(c, {});
  std::ifstream f(s.report_path);
  const nlohmann::json rep = nlohmann::json::parse(f);
  bool found = false;
  for (const auto& row : rep.at("sweep")) {
    if (std::fabs(row.at("threshold").get<double>() - 0.5) > 1e-6) continue;
    found = true;
    EXPECT_DOUBLE_EQ(row.at("micro").at("f1").get<double>(), s.test_micro_f1);
  }
  EXPECT_TRUE(found) << "0.5 was not scored: " << rep.dump().substr(0, 400);
}

TEST(Trainer, TokenizerGivenAsAFileIsExportedItself) {
  // model.tokenizer names ko.model in a folder that also holds an unrelated spm.model: best/ gets
  // ko.model's bytes (as spm.model), not the neighbour's.
  const TinyData& d = tiny_data();
  const std::string tok = d.dir + "/tok-file";
  fs::create_directories(tok);
  fs::copy_file(d.spm, tok + "/ko.model", fs::copy_options::overwrite_existing);
  test::write_file_bytes(tok + "/spm.model", "not this tokenizer");
  TrainConfig c = tiny_config(d.dir + "/run-tok-file");
  c.model.tokenizer = tok + "/ko.model";
  c.optim.epochs = 1;
  run_training(c, {});
  EXPECT_EQ(test::read_file_bytes(c.output_dir + "/best/spm.model"), test::read_file_bytes(d.spm));
}

TEST(Trainer, EmptyDevSplitIsRefusedBeforeTraining) {
  // A dev file without rows would "evaluate" to F1 0 and steer early stopping and sweeps by it.
  const TinyData& d = tiny_data();
  const std::string empty = d.dir + "/empty-dev.h5";
  {
    PreparedReader dev(d.dev_h5);
    PreparedWriter w(empty, dev.meta());
    w.commit();
  }
  TrainConfig c = tiny_config(d.dir + "/run-empty-dev");
  c.data.dev = empty;
  try {
    run_training(c, {});
    FAIL() << "trained with an empty dev split";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("holds no rows"), std::string::npos) << e.what();
  }
}

TEST(Trainer, OverfitsAFewExamplesToF1One) {
  const TinyData& d = tiny_data();
  TrainConfig c = tiny_config(d.dir + "/run-overfit", EncoderShape{64, 1, 2, 128, 16, -1});
  c.data.train = c.data.dev = d.overfit_h5;
  set_optim(&c.optim, 200, 6, 1, 3e-3);
  c.optim.warmup_ratio = 0.05;
  // Linear decay: at a constant 3e-3 the loss oscillated near the end (LibTorch 2.11: 0.16 -> 2.2
  // between evaluations), so reaching F1 = 1 depended on where the last evaluation fell.
  c.optim.schedule = LrSchedule::Linear;
  c.eval.every_steps = 25;
  c.early_stopping.patience = 0;
  c.log.every_steps = 25;
  c.checkpoint.every_steps = 1000;
  c.checkpoint.keep_last = 1;
  // Memorisation without regularisation: with dropout this 200-step run reaches F1 = 1 for some
  // seeds and not others (measured over seeds 42, 1, 2, 3: 0.93 / 0.85 / 1.0 / 0.74); with
  // dropout 0 every one of them does. Negative-span masking stays at its default.
  c.model.dropout = 0;
  TrainSummary s = run_training(c, {});
  EXPECT_DOUBLE_EQ(s.best_score, 1.0) << "micro-F1 on the training examples";
}

TEST(Trainer, WritesTensorBoardAndMetricsThatAgree) {
  const std::string run = tiny_data().dir + "/run-tensorboard";
  run_training(tiny_config(run), {});
  std::string tb_file;
  for (const auto& e : fs::directory_iterator(run + "/tensorboard")) tb_file = e.path().string();
  ASSERT_FALSE(tb_file.empty());
  auto scalars = read_tensorboard_scalars(tb_file);
  const std::vector<double> losses = train_losses(run);
  std::vector<std::pair<int64_t, float>> tb_losses;
  int dev_f1 = 0;
  for (const auto& s : scalars) {
    if (s.tag == "train/loss") tb_losses.emplace_back(s.step, s.value);
    if (s.tag == "dev/micro_f1") ++dev_f1;
  }
  ASSERT_EQ(tb_losses.size(), losses.size());
  for (size_t i = 0; i < losses.size(); ++i) {
    EXPECT_EQ(tb_losses[i].first, static_cast<int64_t>(i + 1));
    EXPECT_EQ(tb_losses[i].second, static_cast<float>(losses[i]));
  }
  EXPECT_EQ(dev_f1, 2) << "one dev evaluation per epoch";
  // The exported best model loads back and predicts.
  Predictor p(run + "/best");
  EXPECT_EQ(p.info().unit_mode, UnitMode::Morph);
  auto out = p.predict({"당뇨병 환자에게 메트포르민을 투여하였다."}, {{"Disease", ""}, {"Drug", ""}}, 0.0f);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0].empty()) << "threshold 0 keeps every non-overlapping span";
}

// Child side of the kill test: writes checkpoints forever into $GTRAIN_KILL_DIR (run through
// exec of this binary, so the child is a fresh process rather than a fork of a threaded one).
TEST(Trainer, DISABLED_CheckpointWriterChild) {  // disabled: never run on its own
  const char* dir = std::getenv("GTRAIN_KILL_DIR");
  if (!dir) GTEST_SKIP() << "only runs as the child of KillDuringCheckpointWriteKeepsPreviousLoadable";
  torch::manual_seed(1);
  torch::nn::Linear lin(256, 256);
  torch::optim::AdamW opt(lin->parameters(), torch::optim::AdamWOptions(1e-3));
  at::Generator gen = at::detail::createCPUGenerator(5);
  TrainState st;
  const int64_t base = std::atoll(std::getenv("GTRAIN_KILL_BASE"));
  for (int64_t s = 1;; ++s) {
    st.step = base + s;
    save_checkpoint(std::string(dir) + "/checkpoint-" + std::to_string(base + s), *lin, opt, st, gen);
  }
}

// A process killed at a random point of writing checkpoints must leave every listed checkpoint
// complete and loadable (never a half-written checkpoint-N directory).
TEST(Trainer, KillDuringCheckpointWriteKeepsPreviousLoadable) {
  const std::string dir = tiny_data().dir + "/kill";
  fs::create_directories(dir);
  torch::manual_seed(1);
  torch::nn::Linear ref(256, 256);
  int64_t written = 0;
  for (int round = 0; round < 4; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::setenv("GTRAIN_KILL_DIR", dir.c_str(), 1);
      ::setenv("GTRAIN_KILL_BASE", std::to_string(round * 100000).c_str(), 1);
      ::execl("/proc/self/exe", "gtrain_torch_tests", "--gtest_also_run_disabled_tests",
              "--gtest_filter=Trainer.DISABLED_CheckpointWriterChild", nullptr);
      ::_exit(127);
    }
    // Wait until this child has completed two checkpoints (start-up time and the speed of a
    // write vary with load: under a loaded CI a child killed 1-21 ms after its first checkpoint
    // had often written no second one), then kill it at an arbitrary point of a later write.
    auto own_count = [&] {
      int n = 0;
      for (const std::string& ck : list_checkpoints(dir))
        if (std::stoll(ck.substr(ck.rfind('-') + 1)) > round * 100000) ++n;
      return n;
    };
    for (int i = 0; i < 12000 && own_count() < 2; ++i) ::usleep(5000);
    ::usleep(1000 + 7919 * round % 20000);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the writer should have been killed, not exited";
    auto cks = list_checkpoints(dir);
    written = static_cast<int64_t>(cks.size());
    for (const std::string& ck : cks) {
      torch::nn::Linear other(256, 256);
      EXPECT_NO_THROW(load_checkpoint(ck, *other, nullptr, nullptr)) << ck;
      EXPECT_TRUE(torch::equal(other->weight, ref->weight)) << ck;
    }
  }
  EXPECT_GT(written, 4) << "the children completed too few checkpoints: the test would prove little";
}

namespace {
bool loss_decreases(const std::vector<double>& l, size_t k) {
  if (l.size() < 2 * k) return false;
  double first = 0, last = 0;
  for (size_t i = 0; i < k; ++i) first += l[i], last += l[l.size() - 1 - i];
  return last < first;
}
}  // namespace

// Fine-tuning starts from a GLiNER2 directory through the HF loader (the 1.2.3 fixture checkpoint).
TEST(Trainer, FineTunesFromFixtureCheckpointLossDecreasing) {
  const std::string fixture = kSrc + "/../shared/fixtures/gliner2_tiny";
  if (!fs::exists(fixture + "/model.safetensors")) GTEST_SKIP() << "fixtures absent: " << fixture;
  const std::string dir = tiny_data().dir + "/from-fixture";
  PrepareConfig pc;
  pc.tokenizer = fixture;  // its spm.model + added_tokens.json, as the checkpoint ships them
  pc.unit_mode = UnitMode::Word;
  pc.inputs = {PrepareInput{tiny_data().dir + "/train.jsonl", "gliner2", "", 1.0f, false, "train"}};
  pc.output_dir = dir + "/data";
  prepare(pc);
  TrainConfig c = tiny_config(dir + "/run");
  c.model.source = fixture;
  c.model.tokenizer.clear();
  c.data.train = pc.output_dir + "/train.h5";
  c.data.dev.clear();
  c.optim.epochs = 6;
  c.optim.grad_accum = 1;
  c.optim.encoder_lr = 1e-4;
  c.optim.head_lr = 5e-4;
  TrainSummary s = run_training(c, {});
  const std::vector<double> l = train_losses(c.output_dir);
  ASSERT_EQ(l.size(), static_cast<size_t>(s.steps));
  EXPECT_TRUE(loss_decreases(l, 6)) << "first " << l.front() << " last " << l.back();
  EXPECT_TRUE(fs::exists(c.output_dir + "/best/model.safetensors"));
}

// Real Korean data: KLUE-NER dev (../shared) prepared with the KoBERT SentencePiece model.
TEST(Trainer, TrainsOnKlueDevHdf5LossDecreasing) {
  const std::string klue = kSrc + "/../shared/data/klue-ner-v1.1-dev/klue-ner-v1.1_dev.tsv";
  const std::string spm = kSrc + "/../shared/data/kobert-sentencepiece/tokenizer_78b3253a26.model";
  if (!fs::exists(klue) || !fs::exists(spm)) GTEST_SKIP() << "KLUE/KoBERT files absent under ../shared";
  const std::string dir = tiny_data().dir + "/klue";
  PrepareConfig pc;
  pc.tokenizer = spm;
  pc.unit_mode = UnitMode::Morph;
  pc.inputs = {PrepareInput{klue, "klue", "", 1.0f, false, ""}};
  pc.dev_fraction = 0.1;
  pc.output_dir = dir + "/data";
  prepare(pc);
  TrainConfig c = tiny_config(dir + "/run");
  c.model.tokenizer = spm;
  c.data.train = pc.output_dir + "/train.h5";
  c.data.dev = pc.output_dir + "/dev.h5";
  c.optim.epochs = 1;
  c.optim.grad_accum = 1;
  c.optim.token_budget = 0;
  TrainOptions o;
  o.stop_after_steps = 40;
  TrainSummary s = run_training(c, o);
  EXPECT_EQ(s.steps, 40);
  EXPECT_TRUE(loss_decreases(train_losses(c.output_dir), 8));
}

// ---- Issue 12: what was trained is what reloads, exports and predicts ----------------------

// A from-scratch model reloads as the model that was trained, for every relative-position option:
// its best/ scores on dev exactly what the trainer recorded (the trainer used to run without
// position buckets while best/ reloaded with them: dev F1 0.94 became 0.77), and so does an export.
TEST(Trainer, BestAndExportReloadAsTrained) {
  const TinyData& d = tiny_data();
  const std::vector<std::pair<int, int>> options = {{16, -1}, {-1, -1}, {8, 64}, {-1, 32}};
  for (const auto& [buckets, max_rel] : options) {
    SCOPED_TRACE("position_buckets " + std::to_string(buckets) + ", max_relative_positions " + std::to_string(max_rel));
    const std::string run = d.dir + "/reload-" + std::to_string(buckets) + "-" + std::to_string(max_rel);
    TrainConfig c = scoring_config(run);
    c.model.encoder.position_buckets = buckets;
    c.model.encoder.max_relative_positions = max_rel;
    TrainSummary s = run_training(c, {});
    ASSERT_GT(s.best_score, 0.1);
    // The encoder config best/ reloads with is the trainer's, key for key.
    SentencePieceTokenizer tok(d.spm);
    tok.add_special_tokens(gliner2_special_tokens());
    const DebertaV2Config trained =
        scratch_encoder_config(c.model.encoder, tok.vocab_size(), tok.pad_id(), c.model.dropout).deberta;
    const DebertaV2Config reloaded = DebertaV2Config::from_file(run + "/best/encoder_config/config.json");
    EXPECT_EQ(reloaded.max_relative_positions, trained.max_relative_positions);
    EXPECT_EQ(reloaded.position_buckets, trained.position_buckets);
    EXPECT_EQ(reloaded.pos_ebd_size(), trained.pos_ebd_size());
    // Scores: best/ and an export of it give the trainer's dev micro-F1 at its threshold, exactly.
    const std::vector<float> th = {static_cast<float>(s.best_threshold)};
    Predictor best(run + "/best");
    EXPECT_DOUBLE_EQ(best.evaluate(d.dev_h5, th, c.eval.batch_size).scores(0).micro.f1, s.best_score);
    export_best(run);
    EXPECT_TRUE(fs::exists(run + "/exported/gtrain.json")) << "export dropped gtrain.json";
    Predictor exported(run + "/exported");
    EXPECT_EQ(exported.info().unit_mode, best.info().unit_mode);
    EXPECT_FLOAT_EQ(exported.info().threshold, best.info().threshold);
    EXPECT_EQ(exported.info().labels, best.info().labels);
    EXPECT_DOUBLE_EQ(exported.evaluate(d.dev_h5, th, c.eval.batch_size).scores(0).micro.f1, s.best_score);
  }
}

// model.dropout reaches the encoder config that best/ and exports write, for every family (the
// config is written as read, so a rate set after reading must be written into it too).
TEST(Trainer, ScratchEncoderConfigCarriesTheDropoutOverride) {
  for (const std::string type : {"deberta-v3", "bert", "roberta", "electra", "xlm-roberta"}) {
    SCOPED_TRACE(type);
    EncoderShape shape{32, 1, 2, 64, 16, -1};
    shape.type = type;
    const nlohmann::json j = scratch_encoder_config(shape, 100, 0, 0.05).to_json();
    EXPECT_DOUBLE_EQ(j.at("hidden_dropout_prob").get<double>(), 0.05);
    EXPECT_DOUBLE_EQ(j.at("attention_probs_dropout_prob").get<double>(), 0.05);
    const EncoderConfig back = EncoderConfig::from_json(j);
    EXPECT_EQ(back.model_type(), type == "deberta-v3" ? "deberta-v2" : type);
    EXPECT_DOUBLE_EQ(back.is_deberta() ? back.deberta.hidden_dropout_prob : back.bert.hidden_dropout_prob, 0.05);
  }
}

// model.encoder.type: a from-scratch BERT-family encoder trains, and best/ and its export reload
// as that encoder (model_type in encoder_config/config.json) with the trainer's dev score exactly.
TEST(Trainer, FromScratchBertFamilyReloadsAsTrained) {
  const TinyData& d = tiny_data();
  for (const std::string type : {"bert", "roberta", "electra", "xlm-roberta"}) {
    SCOPED_TRACE("model.encoder.type " + type);
    const std::string run = d.dir + "/scratch-" + type;
    TrainConfig c = scoring_config(run);
    c.model.encoder.type = type;
    TrainSummary s = run_training(c, {});
    ASSERT_GT(s.best_score, 0.1);
    const EncoderConfig reloaded = EncoderConfig::from_file(run + "/best/encoder_config/config.json");
    EXPECT_EQ(reloaded.model_type(), type);
    EXPECT_FALSE(reloaded.is_deberta());
    EXPECT_EQ(reloaded.hidden_size(), 64);
    const std::vector<float> th = {static_cast<float>(s.best_threshold)};
    Predictor best(run + "/best");
    EXPECT_DOUBLE_EQ(best.evaluate(d.dev_h5, th, c.eval.batch_size).scores(0).micro.f1, s.best_score);
    export_best(run);
    Predictor exported(run + "/exported");
    EXPECT_DOUBLE_EQ(exported.evaluate(d.dev_h5, th, c.eval.batch_size).scores(0).micro.f1, s.best_score);
  }
}

// Export refuses a folder that is not a model (and leaves its files), and its own source.
TEST(Trainer, ExportRefusesForeignFolderAndItsOwnSource) {
  const TinyData& d = tiny_data();
  const std::string run = d.dir + "/export-refusals";
  TrainConfig c = tiny_config(run);
  c.optim.epochs = 1;
  run_training(c, {});
  fs::create_directories(run + "/mine");
  { std::ofstream(run + "/mine/notes.txt") << "keep me\n"; }
  ExportRequest er;
  er.model_dir = run + "/best";
  er.out_dir = run + "/mine";
  EXPECT_THROW(export_model(er), std::runtime_error);
  EXPECT_TRUE(fs::exists(run + "/mine/notes.txt"));
  er.out_dir = run + "/best";
  EXPECT_THROW(export_model(er), std::runtime_error);
  er.out_dir = run + "/best/inner";
  EXPECT_THROW(export_model(er), std::runtime_error);
  EXPECT_NO_THROW(Predictor p(run + "/best"));
  er.out_dir = run;  // the run folder: checkpoints, metrics, config
  EXPECT_THROW(export_model(er), std::runtime_error);
  EXPECT_TRUE(fs::exists(run + "/metrics.jsonl"));
}

// metrics.jsonl's train lines hold both learning rates (one schedule factor): the encoder's was
// not logged.
TEST(Trainer, MetricsLogBothLearningRates) {
  TrainConfig c = tiny_config(tiny_data().dir + "/both-lrs");
  c.optim.epochs = 1;
  c.optim.encoder_lr = 1e-3;
  c.optim.head_lr = 4e-3;
  run_training(c, {});
  const auto lines = metrics_lines(c.output_dir, "train");
  ASSERT_FALSE(lines.empty());
  for (const auto& j : lines) {
    ASSERT_TRUE(j.contains("lr_encoder")) << j.dump();
    EXPECT_GT(j["lr_encoder"].get<double>(), 0.0) << j.dump();
    EXPECT_NEAR(j["lr_head"].get<double>(), 4.0 * j["lr_encoder"].get<double>(), 1e-12) << j.dump();
  }
}

// A LoRA run's best_adapters/ carries the trained model's gtrain.json (units, threshold, labels),
// and `gtrain export BASE --adapters` puts it into the merged model: without it the merged model
// ran with GLiNER2's defaults (word units, threshold 0.5).
TEST(Trainer, LoraAdaptersCarryTheModelsGtrainJsonIntoAMergedExport) {
  const TinyData& d = tiny_data();
  const std::string base = d.dir + "/lora-base", run = d.dir + "/lora-run", merged = d.dir + "/lora-merged";
  TrainConfig b = tiny_config(base);
  b.optim.epochs = 1;
  run_training(b, {});
  TrainConfig c = tiny_config(run);
  c.optim.epochs = 1;
  c.model.source = base + "/best";
  c.model.tokenizer = "";
  c.model.lora.enabled = true;
  run_training(c, {});
  auto read = [](const std::string& path) {
    std::ifstream f(path);
    return nlohmann::json::parse(f);
  };
  ASSERT_TRUE(fs::exists(run + "/best_adapters/gtrain.json"));
  EXPECT_EQ(read(run + "/best_adapters/gtrain.json"), read(run + "/best/gtrain.json"));
  ExportRequest er;
  er.model_dir = base + "/best";
  er.adapters_dir = run + "/best_adapters";
  er.out_dir = merged;
  export_model(er);
  EXPECT_EQ(read(merged + "/gtrain.json"), read(run + "/best/gtrain.json"));
  // Into another base of the same shapes (here the merged model itself) they are refused, naming
  // the base they were trained on (before 2026-12-07 they merged, a model never trained).
  ExportRequest wrong = er;
  wrong.model_dir = merged;
  wrong.out_dir = d.dir + "/lora-wrong-base";
  try {
    export_model(wrong);
    ADD_FAILURE() << "adapters merged into a base they were not trained on";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("were trained on " + base + "/best"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(wrong.out_dir));
}

// A best/ the export at the end would refuse fails the run when it starts, before any step.
TEST(Trainer, RefusesABestFolderItCouldNotExportToBeforeTraining) {
  const TinyData& d = tiny_data();
  const std::string run = d.dir + "/best-refused";
  fs::create_directories(run + "/best");
  { std::ofstream(run + "/best/notes.txt") << "keep me\n"; }
  TrainConfig c = tiny_config(run);
  c.optim.epochs = 1;
  try {
    run_training(c, {});
    ADD_FAILURE() << "trained towards a best/ it cannot write";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("notes.txt"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(run + "/metrics.jsonl")) << "steps ran before the refusal";
  EXPECT_TRUE(fs::exists(run + "/best/notes.txt"));
}

// data.labels trains on a subset of the prepared labels; a label the data lacks is an error.
TEST(Trainer, DataLabelsSelectsASubset) {
  const TinyData& d = tiny_data();
  TrainConfig c = tiny_config(d.dir + "/labels-drug");
  c.optim.epochs = 1;
  c.data.labels = {SchemaLabel{"Drug", ""}};
  run_training(c, {});
  Predictor p(c.output_dir + "/best");
  EXPECT_EQ(p.info().labels, std::vector<std::string>{"Drug"});
  std::ifstream f(c.output_dir + "/metrics.jsonl");
  std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all.find("Disease"), std::string::npos) << "a label outside data.labels was evaluated";
  TrainConfig bad = tiny_config(d.dir + "/labels-symptom");
  bad.data.labels = {SchemaLabel{"Symptom", ""}};
  try {
    run_training(bad, {});
    ADD_FAILURE() << "an unknown label trained";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("Symptom"), std::string::npos) << e.what();
  }
}

// A dev file prepared apart from train, its labels listed in another order, is read with train's
// label ids and scored as the dev file prepared with train; and `gtrain eval` of a file listing
// the labels otherwise prompts the model in its training order (before, both prompted the file's
// order, and the training run read the other file's label ids as train's).
TEST(Trainer, DevPreparedInAnotherLabelOrderScoresTheSame) {
  const TinyData& d = tiny_data();
  PreparedReader train(d.train_h5);
  std::vector<SchemaLabel> reversed;
  for (auto it = train.meta().labels.rbegin(); it != train.meta().labels.rend(); ++it)
    reversed.push_back(SchemaLabel{*it, ""});
  ASSERT_GE(reversed.size(), 2u);
  PrepareConfig pc;
  pc.tokenizer = d.spm;
  pc.labels = reversed;
  pc.inputs = {PrepareInput{d.dir + "/dev.jsonl", "gliner2", "", 1.0f, false, "dev"}};
  pc.output_dir = d.dir + "/dev-reversed";
  prepare(pc);
  const std::string dev_reversed = pc.output_dir + "/dev.h5";
  ASSERT_NE(PreparedReader(dev_reversed).meta().labels, train.meta().labels);

  TrainConfig a = scoring_config(d.dir + "/dev-order-a");
  a.optim.epochs = 3;
  const TrainSummary sa = run_training(a, {});
  ASSERT_GT(sa.best_score, 0.1);
  TrainConfig b = a;
  b.output_dir = d.dir + "/dev-order-b";
  b.data.dev = dev_reversed;
  const TrainSummary sb = run_training(b, {});
  EXPECT_DOUBLE_EQ(sb.best_score, sa.best_score);
  EXPECT_DOUBLE_EQ(sb.best_threshold, sa.best_threshold);
  Predictor best(a.output_dir + "/best");
  const std::vector<float> th = {static_cast<float>(sa.best_threshold)};
  EXPECT_DOUBLE_EQ(best.evaluate(dev_reversed, th, a.eval.batch_size).scores(0).micro.f1, sa.best_score);
  // The same labels described otherwise: gtrain eval prompts the model's own descriptions.
  pc.labels.clear();
  for (const std::string& l : train.meta().labels) pc.labels.push_back(SchemaLabel{l, "다른 설명"});
  pc.output_dir = d.dir + "/dev-described";
  prepare(pc);
  ASSERT_EQ(PreparedReader(pc.output_dir + "/dev.h5").meta().labels, train.meta().labels);
  EXPECT_DOUBLE_EQ(best.evaluate(pc.output_dir + "/dev.h5", th, a.eval.batch_size).scores(0).micro.f1, sa.best_score);
}

// predict reads a text of any length: windows of max_length tokens, each entity once, in
// document offsets (it used to read the first max_length tokens only).
TEST(Trainer, PredictReadsLongTextsWhole) {
  const TinyData& d = tiny_data();
  TrainConfig c = tiny_config(d.dir + "/long-predict");
  c.optim.epochs = 1;
  run_training(c, {});
  Predictor p(c.output_dir + "/best");
  std::string text;
  for (int i = 0; i < 60; ++i) text += "당뇨병 환자에게 메트포르민을 투여하였다. ";
  const int64_t chars = static_cast<int64_t>(utf8::length(text));
  // threshold 0: every non-overlapping span a window's decoder keeps; far more than one window.
  auto out = p.predict({text}, {{"Disease", ""}, {"Drug", ""}}, 0.0f, 4);
  ASSERT_EQ(out.size(), 1u);
  int32_t last = 0;
  std::set<std::tuple<int32_t, int32_t, std::string>> seen;
  for (const auto& e : out[0]) {
    EXPECT_TRUE(seen.emplace(e.start, e.end, e.label).second) << "duplicate " << e.start << "-" << e.end;
    EXPECT_GE(e.start, 0);
    EXPECT_LE(e.end, chars + 1);  // + the period GLiNER2 appends
    last = std::max(last, e.end);
  }
  EXPECT_GT(last, chars * 9 / 10) << "entities only near the start: the text was cut";
}

// A write that fails (here: the file-size limit, as a full disk fails it) ends in an exception
// naming the cause, not an abort; no temporary is left and the earlier checkpoint still loads.
TEST(Trainer, FailedCheckpointWriteIsAnErrorAndLeavesNoDebris) {
  const std::string dir = tiny_data().dir + "/disk-full";
  fs::create_directories(dir);
  torch::manual_seed(1);
  torch::nn::Linear lin(256, 256);
  torch::optim::AdamW opt(lin->parameters(), torch::optim::AdamWOptions(1e-3));
  lin->forward(torch::randn({2, 256})).sum().backward();
  opt.step();
  at::Generator gen = at::detail::createCPUGenerator(5);
  TrainState st;
  st.step = 1;
  save_checkpoint(dir + "/checkpoint-1", *lin, opt, st, gen);
  const std::string msg_file = dir + "/child-message";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl = {300 * 1024, 300 * 1024};  // the weights fit (256 KiB), the optimizer does not
    ::setrlimit(RLIMIT_FSIZE, &rl);
    st.step = 2;
    int code = 3;
    try {
      save_checkpoint(dir + "/checkpoint-2", *lin, opt, st, gen);
    } catch (const std::exception& e) {
      std::ofstream(msg_file) << e.what();
      code = 0;
    }
    ::_exit(code);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << "the writer died of signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  ASSERT_EQ(WEXITSTATUS(status), 0) << "the failed write did not throw";
  std::ifstream f(msg_file);
  std::string msg((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_NE(msg.find("checkpoint-2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("File too large"), std::string::npos) << msg;
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << "left behind: " << e.path();
  EXPECT_FALSE(fs::exists(dir + "/checkpoint-2"));
  torch::nn::Linear other(256, 256);
  torch::optim::AdamW opt2(other->parameters(), torch::optim::AdamWOptions(1e-3));
  EXPECT_NO_THROW(load_checkpoint(dir + "/checkpoint-1", *other, &opt2, nullptr));
  EXPECT_TRUE(torch::equal(other->weight, lin->weight));
}

TEST(CheckpointDirs, PruneKeepsTheProtectedOnesAndCountsThem) {
  // keep_last 2 over checkpoint-10..40, the best (10) and the newest (40) protected: 20 and 30 go.
  const std::string dir = tiny_data().dir + "/prune";
  for (int s : {10, 20, 30, 40}) fs::create_directories(dir + "/checkpoint-" + std::to_string(s));
  prune_checkpoints(dir, 2, {dir + "/checkpoint-40", dir + "/checkpoint-10"});
  EXPECT_EQ(list_checkpoints(dir), (std::vector<std::string>{dir + "/checkpoint-10", dir + "/checkpoint-40"}));
  // The one just written survives even when it has the lowest step number.
  fs::create_directories(dir + "/checkpoint-5");
  prune_checkpoints(dir, 1, {dir + "/checkpoint-5"});
  EXPECT_EQ(list_checkpoints(dir), (std::vector<std::string>{dir + "/checkpoint-5"}));
}
