// The `gtrain train` config: defaults, --set overrides, validation errors (file:line, field, "did
// you mean"), the resolved-config round trip, the prepare cache key, and every shipped config.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <utility>
#include <vector>

#include "config/config_diff.h"
#include "config/prepare_config.h"
#include "config/prepared_data.h"
#include "data/hdf5_store.h"
#include "config/train_config.h"
#include "io/input_error.h"
#include "support/error_of.h"

using namespace gtrain;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& s, const std::string& sub) { return s.find(sub) != std::string::npos; }

// A fresh folder per test holding the config and the files it names; removed afterwards.
class TrainConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("gtrain-train-config-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "data");
    touch("data/train.h5");
    touch("data/dev.h5");
    touch("spm.model", "not really a tokenizer");
    write("data/a.jsonl", "{\"text\": \"a\", \"entities\": []}\n");
    write("data/b.jsonl", "{\"text\": \"b\", \"entities\": []}\n");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& rel, const std::string& content) {
    const fs::path p = dir_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream f(p, std::ios::binary);
    f << content;
    return p.string();
  }
  void touch(const std::string& rel, const std::string& content = "") { write(rel, content); }
  std::string abs(const std::string& rel) const { return (dir_ / rel).lexically_normal().string(); }

  // Loads expecting an InputError; returns it.
  InputError load_error(const std::string& path, const std::vector<std::string>& overrides = {},
                        bool check_files = true) {
    return test::input_error_of("loading " + path, [&] { load_train_config(path, overrides, check_files); });
  }
  // Writes `yaml` as config.yaml and expects loading it to fail.
  InputError config_error(const std::string& yaml) { return load_error(write("config.yaml", yaml)); }

  fs::path dir_;
};

const char* kMinimal =
    "model:\n"
    "  tokenizer: spm.model\n"
    "data:\n"
    "  train: data/train.h5\n";

const char* kInline =
    "model:\n"
    "  encoder: {hidden_size: 64, num_layers: 2, num_heads: 2, intermediate_size: 128}\n"
    "data:\n"
    "  prepare:\n"
    "    tokenizer: spm.model\n"
    "    unit_mode: morph\n"
    "    labels:\n"
    "      - {name: Disease, description: 질병 또는 진단명}\n"
    "      - Drug\n"
    "    inputs:\n"
    "      - {path: data/a.jsonl, format: offsets, split: train}\n"
    "      - {path: data/b.jsonl, format: offsets, split: dev, tag: silver, weight: 0.3}\n";

}  // namespace

TEST_F(TrainConfigTest, Defaults) {
  const TrainConfig c = load_train_config(write("config.yaml", kMinimal));
  const TrainConfig d;  // the struct's own defaults
  EXPECT_EQ(c.model.source, "");
  EXPECT_EQ(c.model.tokenizer, abs("spm.model"));  // relative to the config's folder, absolute
  EXPECT_EQ(c.model.encoder.hidden_size, 256);
  EXPECT_EQ(c.model.encoder.num_layers, 4);
  EXPECT_EQ(c.model.encoder.num_heads, 4);
  EXPECT_EQ(c.model.encoder.intermediate_size, 1024);
  EXPECT_EQ(c.model.encoder.position_buckets, 64);
  EXPECT_EQ(c.model.encoder.max_relative_positions, -1);
  EXPECT_EQ(c.model.encoder.type, "deberta-v3");
  EXPECT_EQ(c.model.max_width, 8);
  EXPECT_EQ(c.model.counting_layer, "count_lstm");
  EXPECT_FALSE(c.model.gradient_checkpointing);
  EXPECT_FALSE(c.model.lora.enabled);
  EXPECT_EQ(c.model.lora.r, 16);
  EXPECT_EQ(c.model.lora.alpha, 32);
  EXPECT_EQ(c.model.lora.dropout, 0.0);
  EXPECT_EQ(c.model.lora.targets,
            (std::vector<std::string>{"encoder", "span_rep", "classifier", "count_embed", "count_pred"}));
  EXPECT_EQ(c.data.train, abs("data/train.h5"));
  EXPECT_EQ(c.data.dev, "");
  EXPECT_FALSE(c.data.prepare.has_value());
  EXPECT_EQ(c.data.cache_dir, abs("runs/cache"));
  EXPECT_TRUE(c.data.labels.empty());
  EXPECT_EQ(c.optim.encoder_lr, 2e-5);
  EXPECT_EQ(c.optim.head_lr, 5e-4);
  EXPECT_EQ(c.optim.weight_decay, 0.01);
  EXPECT_EQ(c.optim.no_decay, (std::vector<std::string>{"bias", "LayerNorm"}));
  EXPECT_EQ(c.optim.warmup_ratio, 0.1);
  EXPECT_EQ(c.optim.schedule, LrSchedule::Linear);
  EXPECT_EQ(c.optim.epochs, 15);
  EXPECT_EQ(c.optim.batch_size, 8);
  EXPECT_EQ(c.optim.grad_accum, 2);
  EXPECT_EQ(c.optim.max_grad_norm, 1.0);
  EXPECT_EQ(c.optim.seed, 42u);
  EXPECT_EQ(c.optim.token_budget, 0);
  EXPECT_EQ(c.precision, Precision::FP32);
  EXPECT_EQ(c.early_stopping.patience, 3);
  EXPECT_EQ(c.early_stopping.min_delta, 0.0);
  EXPECT_EQ(c.early_stopping.metric, "micro_f1");
  EXPECT_EQ(c.eval.every_steps, 0);
  EXPECT_EQ(c.eval.thresholds, (std::vector<double>{0.1, 0.2, 0.3, 0.4, 0.5, 0.6}));
  EXPECT_EQ(c.eval.batch_size, 16);
  EXPECT_EQ(c.checkpoint.every_steps, 0);
  EXPECT_EQ(c.checkpoint.keep_last, 2);
  EXPECT_TRUE(c.checkpoint.keep_best);
  EXPECT_EQ(c.log.every_steps, 10);
  EXPECT_TRUE(c.log.tensorboard);
  EXPECT_EQ(c.log.progress, ProgressMode::Auto);
  EXPECT_EQ(c.output_dir, abs("runs/train"));
  EXPECT_EQ(c.comm.backend, CommBackend::Auto);
  EXPECT_EQ(c.comm.bucket_mb, 25);
  EXPECT_TRUE(c.comm.overlap);
  EXPECT_EQ(c.comm.timeout_s, 300);
  // Everything that is not a path equals the struct defaults.
  TrainConfig same = c;
  same.model.tokenizer = d.model.tokenizer;
  same.data.train = d.data.train;
  same.data.cache_dir = d.data.cache_dir;
  same.output_dir = d.output_dir;
  EXPECT_EQ(same, d);
}

TEST_F(TrainConfigTest, InlinePrepareUsesThePrepareParser) {
  const TrainConfig c = load_train_config(write("config.yaml", kInline));
  ASSERT_TRUE(c.data.prepare.has_value());
  const PrepareConfig& p = *c.data.prepare;
  EXPECT_EQ(p.tokenizer, abs("spm.model"));
  EXPECT_EQ(p.unit_mode, UnitMode::Morph);
  EXPECT_EQ(p.max_length, 384);
  EXPECT_EQ(p.max_span_width, 8);  // defaults to model.max_width
  EXPECT_EQ(p.output_dir, "");     // optional inline: the cache folder is used
  ASSERT_EQ(p.labels.size(), 2u);
  EXPECT_EQ(p.labels[0].description, "질병 또는 진단명");
  EXPECT_EQ(p.labels[1].name, "Drug");
  ASSERT_EQ(p.inputs.size(), 2u);
  EXPECT_EQ(p.inputs[0].path, abs("data/a.jsonl"));
  EXPECT_EQ(p.inputs[1].split, "dev");
  EXPECT_TRUE(p.inputs[1].silver);
  EXPECT_FLOAT_EQ(p.inputs[1].weight, 0.3f);
  // From scratch without model.tokenizer: the prepare section's tokenizer.
  EXPECT_EQ(c.model.tokenizer, abs("spm.model"));
  EXPECT_EQ(c.model.encoder.hidden_size, 64);
  // And the other way: a prepare section without a tokenizer takes the model's (model.tokenizer,
  // else model.source), so one `--set model.source=...` changes both; with neither it is an error.
  std::string no_tok = kInline;
  no_tok.erase(no_tok.find("    tokenizer: spm.model\n"), std::string("    tokenizer: spm.model\n").size());
  const TrainConfig m = load_train_config(write("no-tok.yaml", "model: {tokenizer: spm.model}\n" + no_tok.substr(no_tok.find("data:"))));
  EXPECT_EQ(m.data.prepare->tokenizer, abs("spm.model"));
  const TrainConfig s = load_train_config(abs("no-tok.yaml"), {"model.source=models/g2", "model.tokenizer="}, false);
  EXPECT_EQ(s.data.prepare->tokenizer, s.model.source);
  EXPECT_EQ(s.model.source, abs("models/g2"));
  // The resolved config leaves it out as well: re-run with another model, it takes that one's.
  save_resolved_config(s, abs("resolved-no-tok.yaml"));
  EXPECT_EQ(load_train_config(abs("resolved-no-tok.yaml"), {}, false), s);
  const TrainConfig r = load_train_config(abs("resolved-no-tok.yaml"), {"model.source=" + abs("models/g3")}, false);
  EXPECT_EQ(r.data.prepare->tokenizer, abs("models/g3"));
  const InputError no_model = config_error(no_tok);
  EXPECT_EQ(no_model.field(), "data.prepare.tokenizer");
  EXPECT_TRUE(has(no_model.what(), "required when model.source and model.tokenizer are empty")) << no_model.what();

  // model.max_width carries over to the prepared span width; a wider prepare width is an error.
  write("wide.yaml", std::string(kInline) + "  cache_dir: cache\n");
  TrainConfig w = load_train_config(abs("wide.yaml"), {"model.max_width=12"});
  EXPECT_EQ(w.data.prepare->max_span_width, 12);
  InputError e = load_error(abs("wide.yaml"), {"data.prepare.max_span_width=9"});
  EXPECT_EQ(e.field(), "data.prepare.max_span_width");
  EXPECT_TRUE(has(e.what(), "model.max_width (8)")) << e.what();

  // Same keys and errors as `gtrain prepare`, with the section's path in the field.
  e = config_error(std::string(kInline) + "    max_lenght: 512\n");
  EXPECT_EQ(e.field(), "data.prepare.max_lenght");
  EXPECT_EQ(e.line(), 13);
  EXPECT_TRUE(has(e.what(), "did you mean 'max_length'")) << e.what();
  e = config_error(std::string(kInline) + "    overflow: wrap\n");
  EXPECT_EQ(e.field(), "data.prepare.overflow");
  EXPECT_TRUE(has(e.what(), "must be 'window' or 'truncate'")) << e.what();
  e = config_error(std::string(kInline) + "    split: {dev: 0.1, tset: 0.1}\n");
  EXPECT_EQ(e.field(), "data.prepare.split.tset");
  EXPECT_TRUE(has(e.what(), "did you mean 'test'")) << e.what();

  // Both an inline section and prepared files; an inline section with no train input.
  e = config_error(std::string(kInline) + "  train: data/train.h5\n");
  EXPECT_EQ(e.field(), "data.prepare");
  EXPECT_TRUE(has(e.what(), "not both")) << e.what();
  e = load_error(abs("wide.yaml"), {"data.prepare.inputs=[{path: data/a.jsonl, split: dev}]"});
  EXPECT_EQ(e.field(), "data.prepare.inputs");
  EXPECT_TRUE(has(e.what(), "train split")) << e.what();
}

TEST_F(TrainConfigTest, OverridesOfEveryKind) {
  const std::string path = write("config.yaml", std::string(kMinimal) + "optim:\n  epochs: 3\n");
  const TrainConfig c = load_train_config(
      path, {
                "optim.encoder_lr=3e-5",              // float
                "optim.epochs = 7",                   // int, spaces around '='
                "optim.schedule=cosine",              // enum
                "precision=bf16",                     // top-level key
                "model.gradient_checkpointing=true",  // bool
                "model.lora.enabled=yes",             // a section missing from the file
                "model.lora.targets=[encoder, count_pred]",  // flow sequence of strings
                "eval.thresholds=[0.3,0.5]",          // flow sequence of numbers
                "data.labels=[Disease, {name: Drug, description: 약물}]",  // label list
                "data.dev=data/dev.h5",               // path: relative to the config's folder
                "output_dir=out/run1",
                "model.encoder={hidden_size: 128, num_heads: 2}",  // a whole section as a flow map
                "log.progress=plain",
            });
  EXPECT_EQ(c.optim.encoder_lr, 3e-5);
  EXPECT_EQ(c.optim.epochs, 7);
  EXPECT_EQ(c.optim.schedule, LrSchedule::Cosine);
  EXPECT_EQ(c.precision, Precision::BF16);
  EXPECT_TRUE(c.model.gradient_checkpointing);
  EXPECT_TRUE(c.model.lora.enabled);
  EXPECT_EQ(c.model.lora.targets, (std::vector<std::string>{"encoder", "count_pred"}));
  EXPECT_EQ(c.eval.thresholds, (std::vector<double>{0.3, 0.5}));
  ASSERT_EQ(c.data.labels.size(), 2u);
  EXPECT_EQ(c.data.labels[0].name, "Disease");
  EXPECT_EQ(c.data.labels[1].description, "약물");
  EXPECT_EQ(c.data.dev, abs("data/dev.h5"));
  EXPECT_EQ(c.output_dir, abs("out/run1"));
  EXPECT_EQ(c.model.encoder.hidden_size, 128);
  EXPECT_EQ(c.model.encoder.num_heads, 2);
  EXPECT_EQ(c.model.encoder.num_layers, 4);  // untouched keys keep their defaults
  EXPECT_EQ(c.log.progress, ProgressMode::Plain);
  EXPECT_EQ(c.model.tokenizer, abs("spm.model"));

  // apply_override on a tree directly; a later override wins; an empty value is "".
  YAML::Node root = YAML::Load("optim: {epochs: 3}\n");
  apply_override(root, "optim.epochs=4");
  apply_override(root, "optim.epochs=5");
  apply_override(root, "model.source=");
  EXPECT_EQ(root["optim"]["epochs"].as<int>(), 5);
  EXPECT_TRUE(root["model"]["source"].IsScalar());
  EXPECT_EQ(root["model"]["source"].as<std::string>(), "");
  // An inline prepare key.
  const TrainConfig p = load_train_config(write("inline.yaml", kInline), {"data.prepare.max_length=512"});
  EXPECT_EQ(p.data.prepare->max_length, 512);
}

TEST_F(TrainConfigTest, OverrideErrors) {
  YAML::Node root = YAML::Load(kMinimal);
  auto override_error = [&](const std::string& a) {
    return test::input_error_of("for --set " + a, [&] { apply_override(root, a); });
  };
  InputError e = override_error("optim.encoder_lrr=3e-5");
  EXPECT_EQ(e.file(), "--set");
  EXPECT_EQ(e.field(), "optim.encoder_lrr");
  EXPECT_TRUE(has(e.what(), "unknown key 'optim.encoder_lrr'")) << e.what();
  EXPECT_TRUE(has(e.what(), "did you mean 'optim.encoder_lr'")) << e.what();
  // One bad override each: (the --set argument, what the message says).
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"encoder_lr=3e-5", "did you mean 'optim.encoder_lr'"},  // section left out
      {"lora.r=8", "did you mean 'model.lora.r'"},
      {"every_steps=5", "'eval.every_steps' or 'checkpoint.every_steps' or 'log.every_steps'"},  // every section that has the key
      {"optim.lr=1e-4", "did you mean 'optim.encoder_lr' or 'optim.head_lr'"},
      {"optm.epochs=3", "did you mean 'optim'"},
      {"data.prepare.max_lenght=512", "did you mean 'data.prepare.max_length'"},
      {"optim.epochs.x=3", "is a value, not a section"},
      {"optim.epochs", "expected KEY=VALUE"},
      {"eval.thresholds=[0.3,", "as YAML"},
  };
  for (const auto& [arg, message] : cases) {
    SCOPED_TRACE(arg);
    e = override_error(arg);
    EXPECT_TRUE(has(e.what(), message)) << e.what();
  }

  // A wrongly typed value from --set: the error names --set and the field, not the file.
  const std::string path = write("config.yaml", kMinimal);
  e = load_error(path, {"optim.epochs=ten"});
  EXPECT_EQ(e.file(), "--set");
  EXPECT_EQ(e.field(), "optim.epochs");
  EXPECT_TRUE(has(e.what(), "expected an integer, got 'ten'")) << e.what();
  e = load_error(path, {"eval.thresholds=[0.3, high]"});
  EXPECT_EQ(e.file(), "--set");
  EXPECT_EQ(e.field(), "eval.thresholds[1]");
  e = load_error(path, {"precision=fp15"});
  EXPECT_EQ(e.file(), "--set");
  EXPECT_TRUE(has(e.what(), "did you mean 'fp16'")) << e.what();
}

TEST_F(TrainConfigTest, UnknownKeySuggestsTheClosest) {
  InputError e = config_error(std::string(kMinimal) + "optim:\n  epochs: 2\n  encoder_lrr: 3e-5\n");
  const std::string path = abs("config.yaml");
  EXPECT_EQ(e.file(), path);
  EXPECT_EQ(e.line(), 7);
  EXPECT_EQ(e.field(), "optim.encoder_lrr");
  EXPECT_TRUE(has(e.what(), path + ":7: field 'optim.encoder_lrr'")) << e.what();
  EXPECT_TRUE(has(e.what(), "did you mean 'encoder_lr'")) << e.what();

  e = config_error(std::string(kMinimal) + "early_stoping:\n  patience: 2\n");
  EXPECT_EQ(e.line(), 5);
  EXPECT_TRUE(has(e.what(), path + ":5:")) << e.what();
  EXPECT_TRUE(has(e.what(), "did you mean 'early_stopping'")) << e.what();

  e = config_error("model:\n  tokenizer: spm.model\n  encoder:\n    hiden_size: 64\ndata: {train: data/train.h5}\n");
  EXPECT_EQ(e.field(), "model.encoder.hiden_size");
  EXPECT_EQ(e.line(), 4);
  EXPECT_TRUE(has(e.what(), "did you mean 'hidden_size'")) << e.what();
}

TEST_F(TrainConfigTest, WrongTypes) {
  InputError e = config_error(std::string(kMinimal) + "optim:\n  epochs: ten\n");
  EXPECT_EQ(e.field(), "optim.epochs");
  EXPECT_EQ(e.line(), 6);
  EXPECT_TRUE(has(e.what(), "expected an integer, got 'ten'")) << e.what();
  // One bad value each: (the YAML after kMinimal, what the message says).
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"optim:\n  encoder_lr: fast\n", "field 'optim.encoder_lr': expected a number"},
      {"eval:\n  thresholds: 0.5\n", "field 'eval.thresholds': expected a list of numbers"},
      {"log:\n  tensorboard: maybe\n", "field 'log.tensorboard': expected true or false"},
      {"comm: nccl\n", "field 'comm': expected a mapping"},
      {"output_dir: [a, b]\n", "field 'output_dir': expected a string"},
      {"precision: fp8\n", "must be one of fp32, fp16, bf16"},
      {"optim:\n  schedule: cosin\n", "did you mean 'cosine'"},
  };
  for (const auto& [yaml, message] : cases) {
    SCOPED_TRACE(yaml);
    e = config_error(std::string(kMinimal) + yaml);
    EXPECT_TRUE(has(e.what(), message)) << e.what();
  }
  // Not implemented: a from-scratch model was built with count_lstm and labelled count_lstm_moe in
  // its config.json, which no loader then read.
  e = config_error("model:\n  tokenizer: spm.model\n  counting_layer: count_lstm_moe\ndata: {train: data/train.h5}\n");
  EXPECT_EQ(e.field(), "model.counting_layer");
  EXPECT_EQ(e.line(), 3);
  EXPECT_TRUE(has(e.what(), "must be one of count_lstm, count_lstm_v2")) << e.what();
  e = config_error(std::string(kMinimal) + "optim:\n  no_decay: [bias, [x]]\n");
  EXPECT_EQ(e.field(), "optim.no_decay[1]");
}

TEST_F(TrainConfigTest, RangesAndRequiredKeys) {
  struct Case { std::string yaml, field, message; };
  const std::vector<Case> cases = {
      {"optim: {encoder_lr: 0}", "optim.encoder_lr", "must be in (0, inf), got 0"},
      {"optim: {head_lr: -2}", "optim.head_lr", "must be in (0, inf), got -2"},
      {"optim: {head_lr: .inf}", "optim.head_lr", "must be in (0, inf)"},
      {"optim: {batch_size: 0}", "optim.batch_size", "must be between 1 and"},
      {"optim: {epochs: -1}", "optim.epochs", "got -1"},
      {"optim: {grad_accum: 0}", "optim.grad_accum", "must be between 1"},
      {"optim: {warmup_ratio: 1}", "optim.warmup_ratio", "must be in [0, 1)"},
      {"optim: {seed: -3}", "optim.seed", "must be at least 0"},
      {"optim: {token_budget: -1}", "optim.token_budget", "must be at least 0"},
      {"eval: {thresholds: [0.5, 0.3]}", "eval.thresholds[1]", "strictly increasing"},
      {"eval: {thresholds: [0.5, 1.0]}", "eval.thresholds[1]", "must be in (0, 1)"},
      {"eval: {thresholds: []}", "eval.thresholds", "at least one"},
      {"eval: {batch_size: 0}", "eval.batch_size", "must be between 1"},
      {"log: {every_steps: 0}", "log.every_steps", "must be at least 1"},
      {"early_stopping: {metric: f1}", "early_stopping.metric", "must be one of micro_f1"},
      {"model: {encoder: {hidden_size: 100, num_heads: 3}}", "model.encoder.num_heads", "divisible"},
      {"model: {max_width: 0}", "model.max_width", "must be between 1 and 128"},
      {"model: {counting_layer: count_lstmv2}", "model.counting_layer", "did you mean 'count_lstm_v2'"},
      {"model: {encoder: {type: robert}}", "model.encoder.type", "did you mean 'roberta'"},
      {"model: {encoder: {type: gpt2}}", "model.encoder.type", "must be one of deberta-v3, bert, roberta"},
      {"model: {lora: {targets: [encoder, span_repr]}}", "model.lora.targets[1]", "did you mean 'span_rep'"},
      {"model: {lora: {dropout: 1}}", "model.lora.dropout", "must be in [0, 1)"},
      {"comm: {backend: gloo}", "comm.backend", "must be one of auto, mpi, nccl"},
      {"comm: {bucket_mb: 0}", "comm.bucket_mb", "must be in (0,"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.yaml);
    // A case with its own model section gets the tokenizer through --set (its map stays whole).
    if (k.yaml.rfind("model:", 0) == 0) {
      const std::string yaml = "data:\n  train: data/train.h5\n" + k.yaml + "\n";
      InputError e = load_error(write("config.yaml", yaml), {"model.tokenizer=spm.model"});
      EXPECT_EQ(e.field(), k.field);
      EXPECT_TRUE(has(e.what(), k.message)) << e.what();
      continue;
    }
    const std::string yaml = std::string(kMinimal) + k.yaml + "\n";
    InputError e = config_error(yaml);
    EXPECT_EQ(e.field(), k.field);
    EXPECT_TRUE(has(e.what(), k.message)) << e.what();
  }

  // fp16 / bf16 are accepted here (the device check comes later).
  for (const char* p : {"fp16", "bf16", "fp32"})
    EXPECT_NO_THROW(load_train_config(write("config.yaml", std::string(kMinimal) + "precision: " + p + "\n")));

  InputError e = config_error("model:\n  tokenizer: spm.model\n");
  EXPECT_EQ(e.field(), "data");
  EXPECT_TRUE(has(e.what(), "data.train")) << e.what();
  e = config_error("data:\n  train: data/train.h5\n");
  EXPECT_EQ(e.field(), "model.tokenizer");
  EXPECT_TRUE(has(e.what(), "required when model.source is empty")) << e.what();
  e = config_error("");
  EXPECT_TRUE(has(e.what(), "empty")) << e.what();
}

TEST_F(TrainConfigTest, MissingDataFiles) {
  InputError e = config_error("model: {tokenizer: spm.model}\ndata:\n  train: data/train.h5\n  dev: data/missing.h5\n");
  EXPECT_EQ(e.field(), "data.dev");
  EXPECT_EQ(e.line(), 4);
  EXPECT_TRUE(has(e.what(), "not found: " + abs("data/missing.h5"))) << e.what();

  e = config_error("model: {tokenizer: nope.model}\ndata: {train: data/train.h5}\n");
  EXPECT_EQ(e.field(), "model.tokenizer");
  EXPECT_TRUE(has(e.what(), abs("nope.model"))) << e.what();

  e = config_error("model: {source: models/gliner2-korean}\ndata: {train: data/train.h5}\n");
  EXPECT_EQ(e.field(), "model.source");
  EXPECT_TRUE(has(e.what(), abs("models/gliner2-korean"))) << e.what();

  e = config_error("model: {tokenizer: spm.model}\ndata: {train: data}\n");
  EXPECT_EQ(e.field(), "data.train");
  EXPECT_TRUE(has(e.what(), "got a directory")) << e.what();

  std::string inline_missing = kInline;
  inline_missing.replace(inline_missing.find("data/b.jsonl"), 12, "data/c.jsonl");
  e = config_error(inline_missing);
  EXPECT_EQ(e.field(), "data.prepare.inputs[1].path");
  EXPECT_EQ(e.line(), 12);
  EXPECT_TRUE(has(e.what(), "input file not found: " + abs("data/c.jsonl"))) << e.what();

  // Without the file check the same configs parse (used for configs whose files come later).
  EXPECT_NO_THROW(load_train_config(abs("config.yaml"), {}, false));
}

TEST_F(TrainConfigTest, EmptyLabelSet) {
  InputError e = config_error(std::string(kMinimal) + "  labels: []\n");
  EXPECT_EQ(e.field(), "data.labels");
  EXPECT_EQ(e.line(), 5);
  EXPECT_TRUE(has(e.what(), "the label set is empty")) << e.what();
  e = load_error(write("config.yaml", kMinimal), {"data.labels=[]"});
  EXPECT_EQ(e.file(), "--set");
  EXPECT_TRUE(has(e.what(), "the label set is empty")) << e.what();
  e = config_error(std::string(kMinimal) + "  labels: [Disease, Disease]\n");
  EXPECT_TRUE(has(e.what(), "listed twice")) << e.what();
  // Inline prepare: the prepare parser's own message.
  std::string inline_empty = kInline;
  const size_t from = inline_empty.find("    labels:\n");
  const size_t to = inline_empty.find("    inputs:\n");
  inline_empty.replace(from, to - from, "    labels: []\n");
  e = config_error(inline_empty);
  EXPECT_EQ(e.field(), "data.prepare.labels");
  EXPECT_TRUE(has(e.what(), "must be a non-empty list")) << e.what();
}

TEST_F(TrainConfigTest, ResolvedConfigRoundTrip) {
  // Non-default values everywhere, strings YAML would otherwise read as other types.
  const std::string yaml = std::string(kInline) +
                           "    split: {dev: 0.1, test: 0.05, seed: 7}\n"
                           "    on_error: skip\n"
                           "  cache_dir: ../shared-cache\n"
                           "  labels: [{name: 'null', description: 'yes'}, {name: '1e3', description: \"a: b # c\"}]\n"
                           "optim: {encoder_lr: 3.3e-5, head_lr: 0.0007, weight_decay: 0.1, no_decay: [bias],\n"
                           "        warmup_ratio: 0.06, schedule: cosine, epochs: 3, batch_size: 4,\n"
                           "        grad_accum: 1, max_grad_norm: 0.5, seed: 1234567890123, token_budget: 4096,\n"
                           "        negative_masking_rate: 0.25}\n"
                           "precision: bf16\n"
                           "device: cuda\n"
                           "early_stopping: {patience: 0, min_delta: 0.001, metric: loss}\n"
                           "eval: {every_steps: 250, thresholds: [0.15, 0.35, 0.7], batch_size: 3}\n"
                           "checkpoint: {every_steps: 500, keep_last: 0, keep_best: false}\n"
                           "log: {every_steps: 1, tensorboard: false, progress: bar}\n"
                           "output_dir: runs/x\n"
                           "comm: {backend: nccl, bucket_mb: 12.5, overlap: false, timeout_s: 60, compression: bf16}\n";
  const TrainConfig a = load_train_config(write("config.yaml", yaml),
                                          {"model.lora.enabled=true", "model.lora.alpha=8.5", "model.dropout=0.2",
                                           "model.encoder.type=xlm-roberta"});
  EXPECT_EQ(a.model.encoder.type, "xlm-roberta");
  EXPECT_EQ(a.model.dropout, 0.2);
  EXPECT_EQ(a.optim.negative_masking_rate, 0.25);
  EXPECT_EQ(a.device, DeviceKind::Cuda);
  EXPECT_EQ(a.comm.compression, GradCompression::BF16);
  ASSERT_EQ(a.data.labels.size(), 2u);
  EXPECT_EQ(a.data.labels[0].name, "null");
  EXPECT_EQ(a.data.labels[1].name, "1e3");

  const std::string out = abs("runs/x/resolved.yaml");
  save_resolved_config(a, out);
  ASSERT_TRUE(fs::exists(out));
  for (const auto& f : fs::directory_iterator(dir_ / "runs/x"))
    EXPECT_EQ(f.path().filename(), "resolved.yaml") << "temp file left behind";
  const TrainConfig b = load_train_config(out);
  EXPECT_EQ(a, b) << train_config_to_yaml(a) << "\n---\n" << train_config_to_yaml(b);
  EXPECT_EQ(train_config_to_yaml(a), train_config_to_yaml(b));  // stable text
  // Every path in the resolved file is absolute.
  EXPECT_TRUE(has(train_config_to_yaml(a), "\"" + abs("data/a.jsonl") + "\"")) << train_config_to_yaml(a);
  EXPECT_EQ(b.data.cache_dir, (dir_.parent_path() / "shared-cache").string());

  // Prepared files and defaults round-trip too; saving again replaces the file.
  const TrainConfig c = load_train_config(write("config.yaml", kMinimal), {"data.dev=data/dev.h5"});
  save_resolved_config(c, out);
  EXPECT_EQ(load_train_config(out), c);
  EXPECT_NE(load_train_config(out), a);
}

TEST_F(TrainConfigTest, PrepareCacheKey) {
  const TrainConfig c = load_train_config(write("config.yaml", std::string(kInline) + "  cache_dir: cache\n"));
  const std::string key = prepare_cache_key(*c.data.prepare);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(key.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(prepare_cache_key(*c.data.prepare), key);  // stable
  EXPECT_EQ(prepared_data_dir(c.data), abs("cache/" + key.substr(0, 16)));

  PrepareConfig p = *c.data.prepare;
  p.output_dir = "/somewhere/else";  // not part of the key
  p.memo_words = false;
  EXPECT_EQ(prepare_cache_key(p), key);
  p.max_length = 512;
  EXPECT_NE(prepare_cache_key(p), key);
  p = *c.data.prepare;
  p.labels[0].description = "other";
  EXPECT_NE(prepare_cache_key(p), key);

  // The inputs' bytes count, their modification time does not.
  fs::last_write_time(abs("data/a.jsonl"), fs::last_write_time(abs("data/a.jsonl")) + std::chrono::hours(1));
  EXPECT_EQ(prepare_cache_key(*c.data.prepare), key);
  write("data/a.jsonl", "{\"text\": \"x\", \"entities\": []}\n");
  EXPECT_NE(prepare_cache_key(*c.data.prepare), key);
  write("data/a.jsonl", "{\"text\": \"a\", \"entities\": []}\n");
  EXPECT_EQ(prepare_cache_key(*c.data.prepare), key);
  write("spm.model", "another tokenizer");
  EXPECT_NE(prepare_cache_key(*c.data.prepare), key);

  // An explicit output folder wins over the cache; prepared files have no inline folder.
  const TrainConfig o = load_train_config(abs("config.yaml"), {"data.prepare.output=prepared"});
  EXPECT_EQ(prepared_data_dir(o.data), abs("prepared"));
  EXPECT_EQ(prepared_data_dir(load_train_config(write("min.yaml", kMinimal)).data), "");

  fs::remove(abs("data/b.jsonl"));
  try {
    prepare_cache_key(*c.data.prepare);
    ADD_FAILURE() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "data.prepare.inputs[1].path");
  }
}

// A tokenizer folder's key follows what its tokenizer is, not only its vocabulary files: settings
// in tokenizer_config.json that change the pieces change the key (a cache prepared with the old
// ones was reused, then refused by the trainer for its fingerprint); others do not.
TEST_F(TrainConfigTest, PrepareCacheKeyFollowsATokenizerFoldersSettings) {
  fs::create_directories(abs("tok"));
  fs::copy_file(std::string(GTRAIN_SOURCE_DIR) + "/tests/data/wordpiece/vocab.txt", abs("tok/vocab.txt"),
                fs::copy_options::overwrite_existing);
  write("tok/tokenizer_config.json", R"({"tokenizer_class": "BertTokenizer", "do_lower_case": false})");
  std::string cfg = kInline;
  cfg.replace(cfg.find("tokenizer: spm.model"), 20, "tokenizer: tok");
  const TrainConfig c = load_train_config(write("folder.yaml", cfg));
  const std::string key = prepare_cache_key(*c.data.prepare);
  write("tok/tokenizer_config.json", R"({"tokenizer_class": "BertTokenizer", "do_lower_case": false, "model_max_length": 512})");
  EXPECT_EQ(prepare_cache_key(*c.data.prepare), key);
  write("tok/tokenizer_config.json", R"({"tokenizer_class": "BertTokenizer", "do_lower_case": true})");
  EXPECT_NE(prepare_cache_key(*c.data.prepare), key);
}

TEST_F(TrainConfigTest, ShippedConfigsParse) {
  const fs::path configs = fs::path(GTRAIN_SOURCE_DIR) / "configs";
  std::vector<std::string> names;
  for (const auto& f : fs::directory_iterator(configs)) {
    const std::string name = f.path().filename().string();
    if (f.path().extension() != ".yaml" || name == "quickstart-prepare.yaml") continue;
    names.push_back(name);
    SCOPED_TRACE(name);
    // The files they name (data, tokenizer, model) are produced later: parse without the check.
    TrainConfig c;
    EXPECT_NO_THROW(c = load_train_config(f.path().string(), {}, false));
    // The resolved form of each round-trips too.
    const std::string out = (dir_ / (name + ".resolved.yaml")).string();
    save_resolved_config(c, out);
    EXPECT_EQ(load_train_config(out, {}, false), c);
  }
  std::sort(names.begin(), names.end());
  for (const char* expected : {"a100-multinode.yaml", "a100-node.yaml", "a10g-single.yaml",
                               "quickstart.yaml", "t4-single.yaml"})
    EXPECT_TRUE(std::find(names.begin(), names.end(), expected) != names.end()) << expected;

  const TrainConfig q = load_train_config((configs / "quickstart.yaml").string(), {}, false);
  EXPECT_EQ(q.precision, Precision::FP32);
  EXPECT_TRUE(q.model.source.empty());
  ASSERT_TRUE(q.data.prepare.has_value());
  ASSERT_EQ(q.data.prepare->inputs.size(), 3u);
  EXPECT_EQ(q.data.prepare->unit_mode, UnitMode::Morph);
  EXPECT_EQ(q.data.prepare->inputs[0].path, (configs.parent_path() / "data/ko-medical/train.jsonl").lexically_normal().string());
  EXPECT_EQ(q.data.prepare->inputs[2].split, "test");
  EXPECT_EQ(q.data.prepare->tokenizer, (configs.parent_path() / "runs/quickstart/spm.model").lexically_normal().string());

  const TrainConfig t4 = load_train_config((configs / "t4-single.yaml").string(), {}, false);
  EXPECT_EQ(t4.precision, Precision::FP16);
  EXPECT_EQ(t4.optim.batch_size, 8);
  EXPECT_EQ(t4.optim.grad_accum, 2);
  EXPECT_EQ(t4.optim.encoder_lr, 2e-5);
  EXPECT_EQ(t4.optim.head_lr, 5e-4);
  ASSERT_TRUE(t4.data.prepare.has_value());
  EXPECT_EQ(t4.data.prepare->max_length, 512);
  EXPECT_FALSE(t4.model.source.empty());
  EXPECT_EQ(load_train_config((configs / "a10g-single.yaml").string(), {}, false).precision, Precision::BF16);

  // The standalone prepare config still loads through the same parser.
  EXPECT_NO_THROW(load_prepare_config((configs / "quickstart-prepare.yaml").string()));
}

TEST_F(TrainConfigTest, NonUtf8StringIsAnError) {
  // Found by fuzz_train_config: "caf\xe9.h5" (Latin-1) was read as raw bytes and written back to
  // the resolved config as U+FFFD, naming another file. Now refused, with line and key.
  const std::string p = write("latin1.yaml", "data: {train: data/train.h5}\nmodel:\n  source: \"caf\xe9\"\n");
  try {
    load_train_config(p, {}, false);
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.field(), "model.source");
    EXPECT_TRUE(has(e.what(), "not valid UTF-8")) << e.what();
  }
  // The same through --set and through a prepare config.
  const std::string ok = write("ok.yaml", "data: {train: data/train.h5}\n");
  auto utf8_error = [](auto&& f) {
    try {
      f();
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string m = utf8_error([&] { load_train_config(ok, {"output_dir=r\xff"}, false); });
  EXPECT_TRUE(has(m, "output_dir") && has(m, "not valid UTF-8")) << m;
  const std::string pp = write("prep.yaml", "tokenizer: spm.model\noutput: out\ninputs: [{path: \"data/\xe9.jsonl\"}]\n");
  m = utf8_error([&] { load_prepare_config(pp); });
  EXPECT_TRUE(has(m, "inputs[0].path") && has(m, "not valid UTF-8")) << m;
}

// A resumed run's config against the one it was started with: each changed key with both values.
TEST_F(TrainConfigTest, YamlDifferencesNameEachChangedKey) {
  const std::string a = "optim:\n  encoder_lr: 2.0e-05\n  epochs: 6\nmodel: {max_width: 8, lora: {r: 8}}\nlog: {every_steps: 10}\n";
  const std::string b = "optim:\n  encoder_lr: 0.01\n  epochs: 6\nmodel: {max_width: 8, lora: {r: 16}}\nseed: 3\n";
  EXPECT_EQ(yaml_differences(a, b), (std::vector<std::string>{"optim.encoder_lr: 2.0e-05 -> 0.01",
                                                              "model.lora.r: 8 -> 16", "seed: (absent) -> 3",
                                                              "log: {every_steps: 10} -> (absent)"}));
  EXPECT_TRUE(yaml_differences(a, a).empty());
}

// A key given twice in one mapping: yaml-cpp reads the first and dropped the second without a word
// (before 2026-12-07 "optim: {epochs: 1, epochs: 4}" trained 1 epoch, and a second `optim:`
// section appended to the file was ignored). Refused in every file gtrain reads, naming both lines.
TEST_F(TrainConfigTest, KeyGivenTwiceIsAnError) {
  auto error_of = [](auto&& f) -> std::pair<std::string, long> {
    try {
      f();
    } catch (const InputError& e) {
      return {e.what(), e.line()};
    }
    return {"no error", 0};
  };
  const std::string inner = write("twice.yaml", "data: {train: data/train.h5}\noptim: {epochs: 1,\n  epochs: 4}\n");
  auto [m, line] = error_of([&] { load_train_config(inner, {}, false); });
  EXPECT_TRUE(has(m, "optim.epochs") && has(m, "given twice (first at line 2)")) << m;
  EXPECT_EQ(line, 3);
  const std::string section =
      write("sections.yaml", "data: {train: data/train.h5}\noptim: {epochs: 1}\nlog: {every_steps: 5}\noptim: {epochs: 4}\n");
  std::tie(m, line) = error_of([&] { load_train_config(section, {}, false); });
  EXPECT_TRUE(has(m, "field 'optim'") && has(m, "first at line 2")) << m;
  EXPECT_EQ(line, 4);
  const std::string prep =
      write("prep-twice.yaml", "tokenizer: spm.model\noutput: out\ntokenizer: other.model\ninputs: [{path: a.jsonl}]\n");
  std::tie(m, line) = error_of([&] { load_prepare_config(prep); });
  EXPECT_TRUE(has(m, "prep-twice.yaml:3") && has(m, "tokenizer") && has(m, "given twice")) << m;
  // Equal keys in different mappings are not repeats.
  const std::string fine =
      write("fine.yaml", "model: {tokenizer: spm.model}\ndata: {train: data/train.h5}\neval: {every_steps: 0}\ncheckpoint: {every_steps: 0}\n");
  EXPECT_NO_THROW(load_train_config(fine, {}, false));
}

// An inline prepare section with an `output` folder is prepared again when the section changes
// (the folder used to be reused as it was: another max_length, other inputs, silently ignored),
// and reused while it does not.
TEST_F(TrainConfigTest, PrepareOutputIsPreparedAgainWhenTheSectionChanges) {
  const std::string src = GTRAIN_SOURCE_DIR;
  const std::string cfg_path = write("prepare-output.yaml",
                                     "data:\n  prepare:\n    tokenizer: " + src + "/tests/data/wordpiece\n"
                                     "    output: prepared\n    inputs:\n      - {path: " + src +
                                         "/tests/data/readers/sample.gliner2.jsonl, format: gliner2, split: train}\n");
  auto max_length_prepared = [&](const std::vector<std::string>& overrides) {
    const DataPaths p = resolve_prepared_data(load_train_config(cfg_path, overrides));
    EXPECT_EQ(p.train, abs("prepared/train.h5"));
    return PreparedReader(p.train).meta().max_length;
  };
  EXPECT_EQ(max_length_prepared({}), 384);
  EXPECT_EQ(max_length_prepared({"data.prepare.max_length=64"}), 64);
  const auto written = fs::last_write_time(abs("prepared/train.h5"));
  EXPECT_EQ(max_length_prepared({"data.prepare.max_length=64"}), 64);
  EXPECT_EQ(fs::last_write_time(abs("prepared/train.h5")), written) << "prepared again without a change";
}
