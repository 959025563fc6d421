#include "config/train_config.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "config/config_fields.h"
#include "config/yaml_check.h"
#include "io/atomic_file.h"
#include "io/input_error.h"

namespace gtrain {

namespace fs = std::filesystem;

namespace {

const EnumName<LrSchedule> kSchedules[] = {
    {LrSchedule::Linear, "linear"}, {LrSchedule::Cosine, "cosine"}, {LrSchedule::Constant, "constant"}};
const EnumName<Precision> kPrecisions[] = {{Precision::FP32, "fp32"}, {Precision::FP16, "fp16"}, {Precision::BF16, "bf16"}};
const EnumName<ProgressMode> kProgress[] = {
    {ProgressMode::Auto, "auto"}, {ProgressMode::Bar, "bar"}, {ProgressMode::Plain, "plain"}};
const EnumName<DeviceKind> kDevices[] = {{DeviceKind::Auto, "auto"}, {DeviceKind::Cpu, "cpu"}, {DeviceKind::Cuda, "cuda"}};
// The ones the model code builds (gliner2-large's count_lstm_moe is not implemented).
const std::vector<std::string> kCountingLayers = {"count_lstm", "count_lstm_v2"};
const std::vector<std::string> kEncoderTypes = {"deberta-v3", "bert", "roberta", "electra", "xlm-roberta"};
const std::vector<std::string> kLoraTargets = {"encoder", "span_rep", "classifier", "count_embed", "count_pred"};
const std::vector<std::string> kMetrics = {"micro_f1", "macro_f1", "micro_precision", "micro_recall", "loss"};

using F = Field<TrainConfig>;
using Sec = const YAML::Node&;
using Ctx = const FieldContext&;
using Cfg = const TrainConfig&;
using Key = const std::string&;

// A path of the training config: made absolute against the config's folder, and (with the file
// check) required to exist.
PathRule train_path(PathKind kind, std::string what = "") { return PathRule{PathRule::Absolute, kind, std::move(what)}; }

void must_not_be_empty(Sec s, Key key, Key field, Ctx c, const std::string& v) {
  if (v.empty()) throw InputError(c.file, yaml_line(s[key]), field, "must not be empty");
}

// -1 (off / automatic) or positive: the range check lets 0 through.
F::Check not_zero(int EncoderShape::*member) {
  return [member](Sec s, Key key, Key field, Ctx c, Cfg cfg) {
    if (cfg.model.encoder.*member == 0)
      throw InputError(c.file, yaml_line(s[key]), field, "must be -1 (off / automatic) or positive, got 0");
  };
}

// data.train/dev/test are written only when data.prepare is not (they are empty then).
bool prepared_files(Cfg cfg) { return !cfg.data.prepare; }

// data.prepare: a whole `gtrain prepare` config (prepare_config.cpp's table), checked against the
// model and the files; also where a from-scratch model.tokenizer defaults to its tokenizer.
F prepare_section() {
  F f;
  f.path = "data.prepare";
  f.type = "map";
  f.default_text = "none";
  f.doc = "a whole `gtrain prepare` config (below), prepared on the fly and cached";
  f.children = prepare_fields().keys();
  f.parse = [](Sec n, Key key, Key, Ctx c, TrainConfig& cfg) {
    DataConfig& d = cfg.data;
    const YAML::Node p = n[key];
    if (p.IsDefined()) {
      if (!d.train.empty() || !d.dev.empty() || !d.test.empty())
        throw InputError(c.file, yaml_line(p), "data.prepare",
                         "give either data.prepare or prepared files (data.train/dev/test), not both");
      PrepareConfig pc = parse_prepare_config(p, c.file, c.base_dir, "data.prepare", false);
      // The prepared rows must fit the model: the span width defaults to model.max_width.
      if (!p["max_span_width"] || p["max_span_width"].IsNull()) {
        pc.max_span_width = cfg.model.max_width;
      } else if (pc.max_span_width > cfg.model.max_width || pc.max_span_width < 1) {
        throw InputError(c.file, yaml_line(p["max_span_width"]), "data.prepare.max_span_width",
                         "must be between 1 and model.max_width (" + std::to_string(cfg.model.max_width) +
                             "), got " + std::to_string(pc.max_span_width));
      }
      if (pc.max_length < 1)
        throw InputError(c.file, yaml_line(p["max_length"]), "data.prepare.max_length",
                         "must be at least 1, got " + std::to_string(pc.max_length));
      bool has_train = false;
      for (const auto& in : pc.inputs) has_train |= in.split.empty() || in.split == "train";
      if (!has_train)
        throw InputError(c.file, yaml_line(p["inputs"]), "data.prepare.inputs",
                         "no input goes to the train split (give one input 'split: train', or one "
                         "without a split)");
      d.prepare_tokenizer_is_models = pc.tokenizer.empty();
      if (pc.tokenizer.empty()) {  // the model's own: `--set model.source=...` alone changes both
        if (!cfg.model.tokenizer.empty()) pc.tokenizer = cfg.model.tokenizer;
        else if (!cfg.model.source.empty()) pc.tokenizer = cfg.model.source;
        else
          throw InputError(c.file, yaml_line(p), "data.prepare.tokenizer",
                           "is required when model.source and model.tokenizer are empty (a from-scratch model "
                           "is trained on the tokenizer its data is prepared with)");
      } else {
        require_path(p["tokenizer"], "data.prepare.tokenizer", c, pc.tokenizer, PathKind::Any, "tokenizer");
      }
      for (size_t i = 0; i < pc.inputs.size(); ++i)
        require_path(p["inputs"][i]["path"], "data.prepare.inputs[" + std::to_string(i) + "].path", c,
                     pc.inputs[i].path, PathKind::File, "input file");
      d.prepare = pc;
    } else if (d.train.empty()) {
      throw InputError(c.file, yaml_line(n), "data",
                       "needs data.train (a prepared HDF5 file) or data.prepare (an inline prepare config)");
    }
    if (cfg.model.source.empty() && cfg.model.tokenizer.empty()) {
      if (!d.prepare)
        throw InputError(c.file, yaml_line(c.root["model"]), "model.tokenizer",
                         "is required when model.source is empty (a from-scratch model needs the "
                         "tokenizer its data was prepared with)");
      cfg.model.tokenizer = d.prepare->tokenizer;
    }
  };
  f.write = [](YAML::Emitter& out, Cfg cfg) {
    out << YAML::BeginMap;
    PrepareConfig p = *cfg.data.prepare;
    if (cfg.data.prepare_tokenizer_is_models) p.tokenizer.clear();  // read back as the model's again
    emit_fields(prepare_fields(), out, p);
    out << YAML::EndMap;
  };
  f.written = [](Cfg cfg) { return cfg.data.prepare.has_value(); };
  f.same = [](Cfg a, Cfg b) {
    const auto &pa = a.data.prepare, &pb = b.data.prepare;
    return pa.has_value() == pb.has_value() && (!pa || same_fields(prepare_fields(), *pa, *pb));
  };
  return f;
}

// Each key of the training config, in the order of the resolved YAML and of
// docs/configuration.md. Defaults are the structs' own (train_config.h).
// Longer than 150 lines on purpose: one row per key, and the point of the table is that the keys are
// listed in one place; cut into pieces, the order of the YAML and the docs would live in several.
const FieldTable<TrainConfig>& train_fields() {
  static const FieldTable<TrainConfig> table = {{
      // ---- model
      field<TrainConfig>("model.source", [](auto& c) -> auto& { return c.model.source; },
                         path(train_path(PathKind::Dir, "model directory")),
                         "GLiNER2 / Hugging Face model directory to start from (weights, config, tokenizer). Empty: a new "
                         "model from scratch with the `encoder` shape below"),
      field<TrainConfig>("model.encoder.type", [](auto& c) -> auto& { return c.model.encoder.type; },
                         word_of(kEncoderTypes, /*quoted=*/true),
                         "from scratch only: the encoder family ([training.md](training.md#supported-encoder-families)); "
                         "the BERT family gets 512 usable absolute positions (roberta / xlm-roberta: a table of 512 + "
                         "pad id + 1 rows, since their positions start after the pad id)"),
      field<TrainConfig>("model.encoder.hidden_size", [](auto& c) -> auto& { return c.model.encoder.hidden_size; },
                         int_in<int>(1, 1 << 16), "from scratch only: hidden size; must be divisible by `num_heads`"),
      field<TrainConfig>("model.encoder.num_layers", [](auto& c) -> auto& { return c.model.encoder.num_layers; },
                         int_in<int>(1, 256), "transformer layers"),
      field<TrainConfig>("model.encoder.num_heads", [](auto& c) -> auto& { return c.model.encoder.num_heads; },
                         int_in<int>(1, 1024), "attention heads")
          .check([](Sec s, Key key, Key field, Ctx c, Cfg cfg) {
            const EncoderShape& e = cfg.model.encoder;
            if (e.hidden_size % e.num_heads != 0)
              throw InputError(c.file, yaml_line(s[key]), field,
                               "hidden_size (" + std::to_string(e.hidden_size) + ") must be divisible by num_heads (" +
                                   std::to_string(e.num_heads) + ")");
          }),
      field<TrainConfig>("model.encoder.intermediate_size",
                         [](auto& c) -> auto& { return c.model.encoder.intermediate_size; }, int_in<int>(1, 1 << 20),
                         "feed-forward size"),
      field<TrainConfig>("model.encoder.position_buckets",
                         [](auto& c) -> auto& { return c.model.encoder.position_buckets; }, int_in<int>(-1, 1 << 16),
                         "deberta-v3 only: log-bucketed relative positions; −1 = no bucketing; not 0")
          .check(not_zero(&EncoderShape::position_buckets)),
      field<TrainConfig>("model.encoder.max_relative_positions",
                         [](auto& c) -> auto& { return c.model.encoder.max_relative_positions; },
                         int_in<int>(-1, 1 << 20),
                         "relative distance clip; −1 = the encoder's maximum position count; not 0")
          .check(not_zero(&EncoderShape::max_relative_positions)),
      field<TrainConfig>("model.tokenizer", [](auto& c) -> auto& { return c.model.tokenizer; },
                         path(train_path(PathKind::Any, "tokenizer")),
                         "`*.model` (SentencePiece), `tokenizer.json`/`vocab.txt` (WordPiece) or a directory (see "
                         "[data-format.md](data-format.md#tokenizers)). **Required when `source` is empty**; with an "
                         "inline `data.prepare` it defaults to `data.prepare.tokenizer`. With a `source` it defaults "
                         "to the model's own"),
      field<TrainConfig>("model.max_width", [](auto& c) -> auto& { return c.model.max_width; }, int_in<int>(1, 128),
                         "longest span the model scores, in units (GLiNER2: 8)"),
      field<TrainConfig>("model.counting_layer", [](auto& c) -> auto& { return c.model.counting_layer; },
                         word_of(kCountingLayers),
                         "GLiNER2's count-embedding variants (gliner2-large's `count_lstm_moe` is not implemented, "
                         "`src/model/gliner2_config.h`). With a `source`, the model directory's own value applies"),
      field<TrainConfig>("model.gradient_checkpointing",
                         [](auto& c) -> auto& { return c.model.gradient_checkpointing; }, boolean(),
                         "recompute each encoder layer's activations in backward instead of keeping them: activation "
                         "memory of one layer instead of all, for about one more encoder forward per step (same "
                         "gradients: the recomputation replays the dropout masks)"),
      field<TrainConfig>("model.dropout", [](auto& c) -> auto& { return c.model.dropout; },
                         number_in(-1, false, 1, true),
                         "−1 or in [0, 1): dropout of the encoder (hidden and attention) and of the span head; −1 = "
                         "the model's own (a loaded encoder's `config.json`, 0.1 from scratch; 0.1 in GLiNER2's span "
                         "head). 0 makes training deterministic across rank counts (tests)")
          .check([](Sec s, Key key, Key field, Ctx c, Cfg cfg) {
            if (cfg.model.dropout < 0 && cfg.model.dropout != -1)
              throw InputError(c.file, yaml_line(s[key]), field, "must be -1 (the model's own) or in [0, 1)");
          }),
      field<TrainConfig>("model.lora.enabled", [](auto& c) -> auto& { return c.model.lora.enabled; }, boolean(),
                         "train low-rank adapters instead of the full weights of `targets`"),
      field<TrainConfig>("model.lora.r", [](auto& c) -> auto& { return c.model.lora.r; }, int_in<int>(1, 4096),
                         "adapter rank"),
      field<TrainConfig>("model.lora.alpha", [](auto& c) -> auto& { return c.model.lora.alpha; },
                         number_in(0, true, INFINITY, false), "scaling (`alpha / r`)"),
      field<TrainConfig>("model.lora.dropout", [](auto& c) -> auto& { return c.model.lora.dropout; },
                         number_in(0, false, 1, true), "dropout on the adapter input"),
      field<TrainConfig>("model.lora.targets", [](auto& c) -> auto& { return c.model.lora.targets; }, string_list(),
                         "modules that get adapters, of " + choices_type(kLoraTargets) + "; non-empty, no repeats")
          .check([](Sec s, Key key, Key field, Ctx c, Cfg cfg) {
            const std::vector<std::string>& t = cfg.model.lora.targets;
            if (t.empty()) throw InputError(c.file, yaml_line(s[key]), field, "must name at least one module");
            std::set<std::string> seen;
            for (size_t i = 0; i < t.size(); ++i) {
              const std::string w = field + "[" + std::to_string(i) + "]";
              if (std::find(kLoraTargets.begin(), kLoraTargets.end(), t[i]) == kLoraTargets.end())
                throw InputError(c.file, yaml_line(s[key][i]), w, one_of(t[i], kLoraTargets));
              if (!seen.insert(t[i]).second)
                throw InputError(c.file, yaml_line(s[key][i]), w, "'" + t[i] + "' is listed twice");
            }
          }),
      // ---- data
      field<TrainConfig>("data.train", [](auto& c) -> auto& { return c.data.train; },
                         path(train_path(PathKind::File, "prepared data file")),
                         "prepared training file (`train.h5`)")
          .when(prepared_files)
          .check([](Sec, Key, Key, Ctx c, Cfg) {  // the data section is required: checked at its first key
            const YAML::Node d = c.root["data"];
            if (!d || d.IsNull())
              throw InputError(c.file, 0, "data",
                               "is required: give data.train (a prepared HDF5 file) or data.prepare (an inline "
                               "prepare config)");
          }),
      field<TrainConfig>("data.dev", [](auto& c) -> auto& { return c.data.dev; },
                         path(train_path(PathKind::File, "prepared data file")),
                         "prepared dev file: evaluation, threshold choice, early stopping")
          .when(prepared_files),
      field<TrainConfig>("data.test", [](auto& c) -> auto& { return c.data.test; },
                         path(train_path(PathKind::File, "prepared data file")),
                         "prepared test file: evaluated once at the end")
          .when(prepared_files),
      prepare_section(),
      field<TrainConfig>("data.cache_dir", [](auto& c) -> auto& { return c.data.cache_dir; },
                         path(train_path(PathKind::Dir)), "where inline preparations are cached; not empty")
          .check([](Sec s, Key key, Key field, Ctx c, Cfg cfg) { must_not_be_empty(s, key, field, c, cfg.data.cache_dir); }),
      field<TrainConfig>("data.labels", [](auto& c) -> auto& { return c.data.labels; }, label_list(/*training=*/true),
                         "train and evaluate on this subset of the prepared labels, in this order: names or `{name, "
                         "description}` (a description replaces the prepared one); left out = the prepared data's "
                         "labels. A label the prepared files lack is an error naming the file; rows annotated only "
                         "for other labels are left out. `labels: []` is an error (an empty label set trains nothing)")
          .when([](Cfg c) { return !c.data.labels.empty(); }),  // left out = the prepared data's labels
      // ---- optim. Any positive finite rate: a sweep may try absurd ones on purpose (the trainer warns above 1).
      field<TrainConfig>("optim.encoder_lr", [](auto& c) -> auto& { return c.optim.encoder_lr; },
                         number_in(0, true, INFINITY, false),
                         "peak learning rate of the encoder (and its LoRA adapters)"),
      field<TrainConfig>("optim.head_lr", [](auto& c) -> auto& { return c.optim.head_lr; },
                         number_in(0, true, INFINITY, false),
                         "peak learning rate of the span, label and count heads (a rate above 1 is accepted with a "
                         "warning: sweeps may probe divergence on purpose)"),
      field<TrainConfig>("optim.weight_decay", [](auto& c) -> auto& { return c.optim.weight_decay; },
                         number_in(0, false, 1, false), "AdamW decoupled weight decay"),
      field<TrainConfig>("optim.no_decay", [](auto& c) -> auto& { return c.optim.no_decay; }, string_list(),
                         "parameters whose name contains one of these get no weight decay; no empty pattern")
          .check([](Sec s, Key key, Key field, Ctx c, Cfg cfg) {
            for (size_t i = 0; i < cfg.optim.no_decay.size(); ++i)
              if (cfg.optim.no_decay[i].empty())
                throw InputError(c.file, yaml_line(s[key][i]), field + "[" + std::to_string(i) + "]",
                                 "empty name pattern (it would match every parameter)");
          }),
      field<TrainConfig>("optim.warmup_ratio", [](auto& c) -> auto& { return c.optim.warmup_ratio; },
                         number_in(0, false, 1, true), "linear warmup over this fraction of all optimizer steps"),
      field<TrainConfig>("optim.schedule", [](auto& c) -> auto& { return c.optim.schedule; },
                         enum_of(kSchedules),
                         "after warmup: `linear` decay to 0 \\| `cosine` decay to 0 \\| `constant`"),
      field<TrainConfig>("optim.epochs", [](auto& c) -> auto& { return c.optim.epochs; }, int_in<int>(1, 100000),
                         "passes over the training data"),
      field<TrainConfig>("optim.batch_size", [](auto& c) -> auto& { return c.optim.batch_size; },
                         int_in<int>(1, 1 << 20), "examples per micro-batch **per rank**"),
      field<TrainConfig>("optim.grad_accum", [](auto& c) -> auto& { return c.optim.grad_accum; },
                         int_in<int>(1, 1 << 16), "micro-batches per optimizer step"),
      field<TrainConfig>("optim.max_grad_norm", [](auto& c) -> auto& { return c.optim.max_grad_norm; },
                         number_in(0, false, INFINITY, false), "global gradient-norm clip; 0 = off"),
      field<TrainConfig>("optim.seed", [](auto& c) -> auto& { return c.optim.seed; }, int_in<uint64_t>(0, LONG_MAX),
                         "initialisation, shuffling, dropout"),
      field<TrainConfig>("optim.token_budget", [](auto& c) -> auto& { return c.optim.token_budget; },
                         int_in<int64_t>(0, LONG_MAX),
                         "when > 0, micro-batches are filled up to this many tokens instead of `batch_size` "
                         "examples; 0 = off"),
      field<TrainConfig>("optim.negative_masking_rate", [](auto& c) -> auto& { return c.optim.negative_masking_rate; },
                         number_in(0, false, 1, true),
                         "GLiNER2's negative-span masking: each negative (non-entity) span cell is left out of the "
                         "training loss with this probability; 0 = every cell counts. The draws are seeded by (seed, "
                         "epoch, micro-batch, rank), so a resumed run draws what it would have drawn"),
      // ---- top-level values
      field<TrainConfig>("precision", [](auto& c) -> auto& { return c.precision; }, enum_of(kPrecisions),
                         "`fp16`: autocast with dynamic loss scaling (T4, V100); `bf16`: autocast, no loss scaling "
                         "(Ampere and later). Any of the three is accepted here; the trainer checks it against the "
                         "device (bf16 on a GPU without it, fp16 on the CPU) when it starts"),
      field<TrainConfig>("device", [](auto& c) -> auto& { return c.device; }, enum_of(kDevices),
                         "`auto`: rank *r* uses `cuda:<local rank mod GPUs>` when LibTorch sees a GPU, else the CPU; "
                         "`cuda`: an error when no GPU is visible"),
      // ---- early_stopping
      field<TrainConfig>("early_stopping.patience", [](auto& c) -> auto& { return c.early_stopping.patience; },
                         int_in<int>(0, 1000000), "stop after this many evaluations without improvement; 0 = off"),
      field<TrainConfig>("early_stopping.min_delta", [](auto& c) -> auto& { return c.early_stopping.min_delta; },
                         number_in(0, false, INFINITY, false), "an improvement must exceed this"),
      field<TrainConfig>("early_stopping.metric", [](auto& c) -> auto& { return c.early_stopping.metric; },
                         word_of(kMetrics),
                         "maximised: `micro_f1` and `macro_f1` each at its own best threshold (the one the "
                         "model keeps), `micro_precision`, `micro_recall` at micro-F1's; `loss`: dev loss, "
                         "minimised"),
      // ---- eval
      field<TrainConfig>("eval.every_steps", [](auto& c) -> auto& { return c.eval.every_steps; },
                         int_in<int64_t>(0, LONG_MAX),
                         "evaluate on `data.dev` every this many optimizer steps and after the last; 0 = once per epoch"),
      field<TrainConfig>("eval.thresholds", [](auto& c) -> auto& { return c.eval.thresholds; }, number_list(),
                         "span-score thresholds swept at each evaluation; each in (0, 1), strictly increasing, at "
                         "least one")
          .check([](Sec s, Key key, Key field, Ctx c, Cfg cfg) {
            const std::vector<double>& t = cfg.eval.thresholds;
            if (t.empty()) throw InputError(c.file, yaml_line(s[key]), field, "needs at least one threshold");
            for (size_t i = 0; i < t.size(); ++i) {
              const std::string f = field + "[" + std::to_string(i) + "]";
              const long line = s[key].IsDefined() ? yaml_line(s[key][i]) : 0;
              if (!(t[i] > 0 && t[i] < 1)) throw InputError(c.file, line, f, "must be in (0, 1), got " + shortest_decimal_double(t[i]));
              if (i > 0 && !(t[i] > t[i - 1])) throw InputError(c.file, line, f, "thresholds must be strictly increasing");
            }
          }),
      field<TrainConfig>("eval.batch_size", [](auto& c) -> auto& { return c.eval.batch_size; }, int_in<int>(1, 1 << 20),
                         "examples per evaluation batch (per rank)"),
      // ---- checkpoint
      field<TrainConfig>("checkpoint.every_steps", [](auto& c) -> auto& { return c.checkpoint.every_steps; },
                         int_in<int64_t>(0, LONG_MAX), "save every this many optimizer steps; 0 = once per epoch"),
      field<TrainConfig>("checkpoint.keep_last", [](auto& c) -> auto& { return c.checkpoint.keep_last; },
                         int_in<int>(0, 1000000), "keep N checkpoints: the newest ones, and with `keep_best` the best one counted among them (kept beside the newest when N is 1); 0 = keep every one"),
      field<TrainConfig>("checkpoint.keep_best", [](auto& c) -> auto& { return c.checkpoint.keep_best; }, boolean(),
                         "also keep the checkpoint of the best evaluation's step (when one was written at that step)"),
      // ---- log
      field<TrainConfig>("log.every_steps", [](auto& c) -> auto& { return c.log.every_steps; },
                         int_in<int64_t>(1, LONG_MAX),
                         "log loss, learning rates, throughput every N optimizer steps"),
      field<TrainConfig>("log.tensorboard", [](auto& c) -> auto& { return c.log.tensorboard; }, boolean(),
                         "also write TensorBoard event files under `output_dir`"),
      field<TrainConfig>("log.progress", [](auto& c) -> auto& { return c.log.progress; },
                         enum_of(kProgress),
                         "`bar`: a live progress bar; `plain`: one line per log step, for files and `mpirun`; "
                         "`auto`: bar on a terminal, else plain"),
      // ---- output_dir
      field<TrainConfig>("output_dir", [](auto& c) -> auto& { return c.output_dir; }, path(train_path(PathKind::Dir)),
                         "checkpoints, logs, the resolved config and the final model (relative to the config file, "
                         "like every path); not empty")
          .check([](Sec s, Key key, Key field, Ctx c, Cfg cfg) { must_not_be_empty(s, key, field, c, cfg.output_dir); }),
      // ---- comm
      field<TrainConfig>("comm.backend", [](auto& c) -> auto& { return c.comm.backend; },
                         enum_of(kCommBackendNames),
                         "gradient all-reduce: `nccl` (GPUs) \\| `mpi` (CPU ranks) \\| `auto` (NCCL for a model on a "
                         "GPU, which needs a build with NCCL; MPI for one on the CPU)"),
      field<TrainConfig>("comm.bucket_mb", [](auto& c) -> auto& { return c.comm.bucket_mb; },
                         number_in(0, true, 65536, false), "gradient bucket size for the all-reduce, MiB"),
      field<TrainConfig>("comm.overlap", [](auto& c) -> auto& { return c.comm.overlap; }, boolean(),
                         "all-reduce full buckets while backward still runs"),
      field<TrainConfig>("comm.timeout_s", [](auto& c) -> auto& { return c.comm.timeout_s; }, int_in<int>(1, 1000000),
                         "seconds any collective may wait; past it the waiting rank ends the whole job with a message "
                         "naming itself and the operation (a peer is stuck or dead)"),
      field<TrainConfig>("comm.compression", [](auto& c) -> auto& { return c.comm.compression; },
                         enum_of(kCompressionNames),
                         "gradient all-reduce wire dtype: `none` (fp32) \\| `fp16` \\| `bf16` (buckets are cast for "
                         "the all-reduce: half the bytes, ~3 significant digits). `fp16` with `precision: fp16` is "
                         "refused (loss-scaled gradients overflow fp16's 65504: use `bf16`); otherwise a non-finite "
                         "gradient after an fp16 all-reduce stops training with that advice"),
  }};
  return table;
}

const KeyTree& schema() {
  static const KeyTree root = train_fields().keys();
  return root;
}

}  // namespace

std::string precision_name(Precision p) { return enum_to_name(kPrecisions, p, "?"); }

bool operator==(const TrainConfig& a, const TrainConfig& b) { return same_fields(train_fields(), a, b); }

void apply_override(YAML::Node& root, const std::string& assignment) {
  const size_t eq = assignment.find('=');
  auto trim = [](std::string s) {
    const auto b = s.find_first_not_of(" \t");
    const auto e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  if (eq == std::string::npos)
    throw InputError("--set", 0, trim(assignment), "expected KEY=VALUE (e.g. optim.encoder_lr=3e-5)");
  const std::string key = trim(assignment.substr(0, eq));
  const std::string text = trim(assignment.substr(eq + 1));
  if (key.empty()) throw InputError("--set", 0, "", "missing key before '=' in '" + assignment + "'");

  // Walk the schema: every component must exist; only the last may be a value.
  std::vector<std::string> parts;
  {
    std::stringstream ss(key);
    std::string p;
    while (std::getline(ss, p, '.')) parts.push_back(p);
    if (key.back() == '.') parts.push_back("");
  }
  const KeyTree* spec = &schema();
  std::string walked;
  for (size_t i = 0; i < parts.size(); ++i) {
    const KeyTree* next = spec->child(parts[i]);
    if (!next) {
      // 1. the rest of the key is a key of another section ("encoder_lr" -> "optim.encoder_lr");
      // 2. a sibling with it as a word; 3. a sibling spelled alike; 4. the closest dotted key.
      std::vector<std::string> all;
      schema().leaf_paths("", &all);
      std::string rest = parts[i];
      for (size_t j = i + 1; j < parts.size(); ++j) rest += "." + parts[j];
      std::string hint;
      for (const auto& p : all)
        if (p.size() > rest.size() && p.compare(p.size() - rest.size() - 1, std::string::npos, "." + rest) == 0)
          hint += (hint.empty() ? "" : "' or '") + p;
      if (hint.empty()) {  // a sibling that has it as a word: "lr" -> "encoder_lr", "head_lr"
        for (const auto& n : spec->names()) {
          std::stringstream words(n);
          std::string w;
          bool found = false;
          while (std::getline(words, w, '_')) found |= w == parts[i];
          if (found) hint += (hint.empty() ? "" : "' or '") + field_path(walked, n);
        }
      }
      if (hint.empty()) {
        hint = closest_name(parts[i], spec->names());
        if (!hint.empty()) hint = field_path(walked, hint);
      }
      if (hint.empty()) hint = closest_name(key, all);
      throw InputError("--set", 0, key,
                       "unknown key '" + key + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    if (i + 1 < parts.size() && !next->section)
      throw InputError("--set", 0, key, "'" + field_path(walked, parts[i]) + "' is a value, not a section");
    walked = field_path(walked, parts[i]);
    spec = next;
  }

  YAML::Node value;
  if (text.empty()) {
    value = YAML::Node(std::string());
  } else {
    try {
      value = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      throw InputError("--set", 0, key, "cannot read the value '" + text + "' as YAML: " + e.msg);
    }
  }

  if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) throw InputError("--set", 0, key, "the config is not a mapping of keys");
  YAML::Node cur = root;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next = cur[parts[i]];
    if (!next.IsDefined() || next.IsNull()) {
      cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next.reset(cur[parts[i]]);
    } else if (!next.IsMap()) {
      throw InputError("--set", 0, key, "'" + parts[i] + "' in the config is not a mapping of keys");
    }
    cur.reset(next);
  }
  cur[parts.back()] = value;
}

TrainConfig parse_train_config(const YAML::Node& root, const std::string& file,
                               const std::string& base_dir, bool check_files) {
  FieldContext c;
  c.file = file;
  c.base_dir = fs::absolute(base_dir.empty() ? fs::path(".") : fs::path(base_dir)).lexically_normal().string();
  c.check_files = check_files;
  c.root.reset(root);
  if (!root.IsDefined() || root.IsNull())
    throw InputError(file, 0, "", "the config is empty (it needs at least a 'data' section)");
  check_keys(root, schema().names(), file, "");
  check_yaml_tree(root, file, "");
  TrainConfig cfg;
  parse_fields(train_fields(), root, c, &cfg);
  return cfg;
}

TrainConfig load_train_config(const std::string& path, const std::vector<std::string>& overrides,
                              bool check_files) {
  YAML::Node root = load_yaml_file(path);
  std::vector<std::string> keys;
  for (const auto& o : overrides) {
    apply_override(root, o);
    std::string k = o.substr(0, o.find('='));
    k.erase(0, k.find_first_not_of(" \t"));
    k.erase(k.find_last_not_of(" \t") + 1);
    keys.push_back(k);
  }
  try {
    return parse_train_config(root, path, fs::absolute(path).parent_path().string(), check_files);
  } catch (const InputError& e) {
    // A bad value that came from --set: name the override, not the file (its node has no line).
    for (const auto& k : keys) {
      const std::string& f = e.field();
      if (f == k || f.rfind(k + ".", 0) == 0 || f.rfind(k + "[", 0) == 0)
        throw InputError("--set", 0, f, e.reason());
    }
    throw;
  }
}

std::string train_config_to_yaml(const TrainConfig& cfg) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  emit_fields(train_fields(), out, cfg);
  out << YAML::EndMap;
  return std::string(
             "# Resolved gtrain training config: every key, defaults filled in, absolute paths.\n"
             "# `gtrain train` on this file repeats the run's configuration.\n") +
         out.c_str() + "\n";
}

void save_resolved_config(const TrainConfig& cfg, const std::string& path) {
  const std::string text = train_config_to_yaml(cfg);
  const fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) fs::create_directories(target.parent_path(), ec);
  write_text_file_atomic(path, text);
}

std::string prepared_data_dir(const DataConfig& data) {
  if (!data.prepare) return "";
  if (!data.prepare->output_dir.empty()) return data.prepare->output_dir;
  return (fs::path(data.cache_dir) / prepare_cache_key(*data.prepare).substr(0, 16)).string();
}

std::vector<DocTable> train_config_doc_tables() {
  std::vector<DocTable> out;
  for (const KeyTree& k : schema().children)
    if (k.section) out.push_back({k.name, doc_table(train_fields(), k.name)});
  out.push_back({"top-level", doc_table(train_fields(), "", /*top_level_only=*/true)});
  return out;
}

}  // namespace gtrain
