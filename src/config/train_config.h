// The `gtrain train CONFIG.yaml` configuration (reference: docs/configuration.md). Torch-free:
// parsing, `--set key=value` overrides, validation and the resolved copy written next to a run,
// all made from one table of fields (train_config.cpp; machinery in config_fields.h).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/prepare_config.h"
#include "data/example.h"
#include "data/prepare.h"
#include "dist/comm_options.h"

namespace gtrain {

// The encoder a from-scratch model gets (model.encoder; ignored when model.source loads one).
struct EncoderShape {
  int hidden_size = 256;
  int num_layers = 4;
  int num_heads = 4;
  int intermediate_size = 1024;
  int position_buckets = 64;         // deberta-v3 only
  int max_relative_positions = -1;  // deberta-v3 only; -1 = the encoder's maximum position count
  // deberta-v3 (relative positions, what GLiNER2 ships) | bert | roberta | electra | xlm-roberta
  // (absolute positions; roberta / xlm-roberta count positions from the pad id + 1).
  std::string type = "deberta-v3";
};

// Named LoraSettings, not LoraConfig: src/model/lora.h owns gtrain::LoraConfig (the torch side,
// built from these settings).
struct LoraSettings {
  bool enabled = false;
  int r = 16;
  double alpha = 32;
  double dropout = 0.0;
  std::vector<std::string> targets = {"encoder", "span_rep", "classifier", "count_embed", "count_pred"};
};

struct ModelConfig {
  std::string source;      // HF / GLiNER2 model directory to start from; "" = from scratch
  EncoderShape encoder;
  std::string tokenizer;   // required from scratch (defaults to data.prepare.tokenizer)
  int max_width = 8;       // longest span, in units
  std::string counting_layer = "count_lstm";  // count_lstm | count_lstm_v2 | count_lstm_moe
  bool gradient_checkpointing = false;
  // Dropout of the encoder (hidden + attention) and of the span head; -1 = the model's own
  // (config.json's for a loaded encoder, 0.1 from scratch; GLiNER2's 0.1 in the span head).
  double dropout = -1;
  LoraSettings lora;
};

struct DataConfig {
  std::string train, dev, test;          // prepared HDF5 files
  std::optional<PrepareConfig> prepare;  // inline prepare config: prepared on the fly, cached
  std::string cache_dir = "runs/cache";  // where inline preparations are cached (by content hash)
  std::vector<SchemaLabel> labels;       // label set override; empty = the prepared data's labels
  // data.prepare.tokenizer was left out and is the model's: the resolved config leaves it out
  // too, so re-running it with another model.source prepares with that model's tokenizer.
  bool prepare_tokenizer_is_models = false;
};

enum class LrSchedule { Linear, Cosine, Constant };
enum class Precision { FP32, FP16, BF16 };
enum class ProgressMode { Auto, Bar, Plain };
enum class DeviceKind { Auto, Cpu, Cuda };

struct OptimConfig {
  double encoder_lr = 2e-5;
  double head_lr = 5e-4;
  double weight_decay = 0.01;
  std::vector<std::string> no_decay = {"bias", "LayerNorm"};  // parameter-name substrings
  double warmup_ratio = 0.1;
  LrSchedule schedule = LrSchedule::Linear;
  int epochs = 15;
  int batch_size = 8;      // examples per rank per micro-batch
  int grad_accum = 2;      // micro-batches per optimizer step
  double max_grad_norm = 1.0;  // 0 = no clipping
  uint64_t seed = 42;
  int64_t token_budget = 0;  // tokens per micro-batch (replaces batch_size when > 0); 0 = off
  // GLiNER2 drops each negative span cell from the training loss with this probability; 0 = off.
  double negative_masking_rate = 0.5;
};

struct EarlyStoppingConfig {
  int patience = 3;          // evaluations without improvement; 0 = off
  double min_delta = 0.0;
  std::string metric = "micro_f1";  // micro_f1 | macro_f1 | micro_precision | micro_recall | loss
};

struct EvalConfig {
  int64_t every_steps = 0;  // 0 = once per epoch
  std::vector<double> thresholds = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  int batch_size = 16;
};

struct CheckpointConfig {
  int64_t every_steps = 0;  // 0 = once per epoch
  int keep_last = 2;        // 0 = keep every checkpoint
  bool keep_best = true;
};

struct LogConfig {
  int64_t every_steps = 10;
  bool tensorboard = true;
  ProgressMode progress = ProgressMode::Auto;
};

struct CommConfig {
  CommBackend backend = CommBackend::Auto;
  double bucket_mb = 25;
  bool overlap = true;
  int timeout_s = 300;
  GradCompression compression = GradCompression::None;  // wire dtype of the gradient all-reduce
};

struct TrainConfig {
  ModelConfig model;
  DataConfig data;
  OptimConfig optim;
  Precision precision = Precision::FP32;
  DeviceKind device = DeviceKind::Auto;  // auto: cuda:<local rank> when a GPU is visible, else cpu
  EarlyStoppingConfig early_stopping;
  EvalConfig eval;
  CheckpointConfig checkpoint;
  LogConfig log;
  std::string output_dir = "runs/train";
  CommConfig comm;
};

// Every key equal (the round trip of the resolved config: tests, fuzz_train_config).
bool operator==(const TrainConfig& a, const TrainConfig& b);
inline bool operator!=(const TrainConfig& a, const TrainConfig& b) { return !(a == b); }

std::string precision_name(Precision p);

// Applies one `--set` override, "dotted.key=value", to the YAML tree before it is parsed. The
// value is read as YAML (scalar, flow sequence `[0.3, 0.5]` or flow map); an empty value is the
// empty string. Throws InputError (file "--set") for a malformed assignment or a key that is not
// in the schema, naming the closest valid key.
void apply_override(YAML::Node& root, const std::string& assignment);

// Parses a training config tree. `file` names the source in errors; relative paths resolve
// against base_dir (made absolute). With check_files, missing data / tokenizer / model paths are
// errors naming the field and the path (leave it off only to inspect configs whose files are
// produced later, e.g. the shipped configs in tests).
TrainConfig parse_train_config(const YAML::Node& root, const std::string& file,
                               const std::string& base_dir, bool check_files = true);

// load_yaml_file + apply_override for each of `overrides` + parse_train_config (base_dir = the
// file's folder). An error in a value set by an override names "--set" instead of the file.
TrainConfig load_train_config(const std::string& path, const std::vector<std::string>& overrides = {},
                              bool check_files = true);

// The fully resolved config as YAML (every key, defaults filled, absolute paths), loadable again
// with load_train_config into an equal TrainConfig.
std::string train_config_to_yaml(const TrainConfig& cfg);
// Writes train_config_to_yaml to `path` atomically (temp file in the same folder + rename);
// creates the folder. Throws std::runtime_error naming the path on failure.
void save_resolved_config(const TrainConfig& cfg, const std::string& path);

// Folder the trainer prepares an inline section into: its `output` when given, else
// <cache_dir>/<first 16 hex characters of prepare_cache_key>. "" when data has no inline section.
std::string prepared_data_dir(const DataConfig& data);

// The key tables of docs/configuration.md, one per section ("model", ..., "top-level" for the
// keys outside a section), made from the field table (train_config.cpp).
std::vector<DocTable> train_config_doc_tables();

}  // namespace gtrain
