#include "config/train_config.h"

#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "config/prepare_config.h"
#include "config/yaml_check.h"
#include "io/input_error.h"
#include "data/prepared.h"
#include "io/atomic_file.h"
#include "io/sha256.h"

namespace gtrain {

namespace fs = std::filesystem;

namespace {

// ---- the schema: every section's keys, one source for check_keys and for --set ---------------
struct Key {
  std::string name;
  bool section = false;
  std::vector<Key> children;
};

Key leaf(const std::string& n) { return Key{n, false, {}}; }
Key section(const std::string& n, std::vector<Key> c) { return Key{n, true, std::move(c)}; }
Key leaf_section(const std::string& n, const std::vector<std::string>& keys) {
  Key k{n, true, {}};
  for (const auto& s : keys) k.children.push_back(leaf(s));
  return k;
}

const Key& schema() {
  static const Key root = [] {
    std::vector<Key> prepare;
    for (const auto& k : prepare_config_keys())
      prepare.push_back(k == "split" ? leaf_section(k, prepare_split_keys()) : leaf(k));
    return section("", {
        section("model", {leaf("source"),
                          leaf_section("encoder", {"type", "hidden_size", "num_layers", "num_heads",
                                                   "intermediate_size", "position_buckets",
                                                   "max_relative_positions"}),
                          leaf("tokenizer"), leaf("max_width"), leaf("counting_layer"),
                          leaf("gradient_checkpointing"), leaf("dropout"),
                          leaf_section("lora", {"enabled", "r", "alpha", "dropout", "targets"})}),
        section("data", {leaf("train"), leaf("dev"), leaf("test"), section("prepare", prepare),
                         leaf("cache_dir"), leaf("labels")}),
        leaf_section("optim", {"encoder_lr", "head_lr", "weight_decay", "no_decay", "warmup_ratio",
                               "schedule", "epochs", "batch_size", "grad_accum", "max_grad_norm",
                               "seed", "token_budget", "negative_masking_rate"}),
        leaf("precision"), leaf("device"),
        leaf_section("early_stopping", {"patience", "min_delta", "metric"}),
        leaf_section("eval", {"every_steps", "thresholds", "batch_size"}),
        leaf_section("checkpoint", {"every_steps", "keep_last", "keep_best"}),
        leaf_section("log", {"every_steps", "tensorboard", "progress"}),
        leaf("output_dir"),
        leaf_section("comm", {"backend", "bucket_mb", "overlap", "timeout_s", "compression"}),
    });
  }();
  return root;
}

std::vector<std::string> names_of(const Key& k) {
  std::vector<std::string> out;
  for (const auto& c : k.children) out.push_back(c.name);
  return out;
}

const Key* child_of(const Key& k, const std::string& name) {
  for (const auto& c : k.children)
    if (c.name == name) return &c;
  return nullptr;
}

// Keys of the section at a dotted path ("model.encoder").
std::vector<std::string> keys_at(const std::string& dotted) {
  const Key* k = &schema();
  std::stringstream ss(dotted);
  std::string part;
  while (std::getline(ss, part, '.')) k = child_of(*k, part);
  return names_of(*k);
}

void leaf_paths(const Key& k, const std::string& prefix, std::vector<std::string>* out) {
  for (const auto& c : k.children) {
    const std::string p = prefix.empty() ? c.name : prefix + "." + c.name;
    if (c.section) leaf_paths(c, p, out); else out->push_back(p);
  }
}

// ---- parsing helpers ------------------------------------------------------------------------
struct Ctx {
  std::string file;
  std::string base_dir;  // absolute
  bool check_files = true;
};

std::string join(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

// Relative paths resolve against the config's folder; every path comes out absolute.
std::string resolve_abs(const std::string& base_dir, const std::string& p) {
  if (p.empty()) return p;
  fs::path q(p);
  if (!q.is_absolute()) q = fs::path(base_dir) / q;
  return q.lexically_normal().string();
}

// A sub-section: an empty mapping when the key is missing or null.
YAML::Node sub(const YAML::Node& parent, const std::string& key) {
  const YAML::Node v = parent[key];
  if (!v || v.IsNull()) return YAML::Node(YAML::NodeType::Map);
  return v;
}

std::string fmt_double(double d) {
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  return buf;
}

std::string fmt_float(float f) {
  char buf[64];
  for (int prec = 1; prec <= 9; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, static_cast<double>(f));
    if (std::strtof(buf, nullptr) == f) break;
  }
  return buf;
}

long int_in(const YAML::Node& n, const std::string& key, const Ctx& c, const std::string& where,
            long fallback, long lo, long hi) {
  const long v = get_int(n, key, c.file, where, fallback);
  if (v < lo || v > hi) {
    std::string msg = hi == LONG_MAX ? "must be at least " + std::to_string(lo)
                                     : "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
    throw InputError(c.file, yaml_line(n[key]), join(where, key), msg + ", got " + std::to_string(v));
  }
  return v;
}

// A number in an interval; lo_open / hi_open exclude the bound; hi = INFINITY for none.
double double_in(const YAML::Node& n, const std::string& key, const Ctx& c, const std::string& where,
                 double fallback, double lo, bool lo_open, double hi, bool hi_open) {
  const double v = get_double(n, key, c.file, where, fallback);
  const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
  if (!ok) {
    std::string range = std::string(lo_open ? "(" : "[") + fmt_double(lo) + ", " +
                        (std::isinf(hi) ? "inf)" : fmt_double(hi) + (hi_open ? ")" : "]"));
    throw InputError(c.file, yaml_line(n[key]), join(where, key),
                     "must be in " + range + ", got " + fmt_double(v));
  }
  return v;
}

std::string one_of(const std::string& v, const std::vector<std::string>& allowed) {
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  std::string hint = closest_name(v, allowed);
  return "must be one of " + list + ", got '" + v + "'" +
         (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
}

// A string from a fixed set; returns its index.
size_t choice(const YAML::Node& n, const std::string& key, const Ctx& c, const std::string& where,
              const std::string& fallback, const std::vector<std::string>& allowed) {
  const std::string v = get_string(n, key, c.file, where, fallback);
  auto it = std::find(allowed.begin(), allowed.end(), v);
  if (it == allowed.end())
    throw InputError(c.file, yaml_line(n[key]), join(where, key), one_of(v, allowed));
  return static_cast<size_t>(it - allowed.begin());
}

enum class PathKind { File, Dir, Any };

// With check_files: the resolved path must exist (as a file / a folder).
void require_path(const YAML::Node& line_node, const std::string& field, const Ctx& c,
                  const std::string& resolved, PathKind kind, const std::string& what) {
  if (!c.check_files || resolved.empty()) return;
  std::error_code ec;
  const fs::file_status st = fs::status(resolved, ec);
  const long line = yaml_line(line_node);
  if (!fs::exists(st)) throw InputError(c.file, line, field, what + " not found: " + resolved);
  if (kind == PathKind::File && fs::is_directory(st))
    throw InputError(c.file, line, field, "expected a file, got a directory: " + resolved);
  if (kind == PathKind::Dir && !fs::is_directory(st))
    throw InputError(c.file, line, field, "expected a directory: " + resolved);
}

const std::vector<std::string> kSchedules = {"linear", "cosine", "constant"};
const std::vector<std::string> kPrecisions = {"fp32", "fp16", "bf16"};
const std::vector<std::string> kProgress = {"auto", "bar", "plain"};
const std::vector<std::string>& kBackends = comm_backend_names();
const std::vector<std::string>& kCompressions = compression_names();
const std::vector<std::string> kDevices = {"auto", "cpu", "cuda"};
const std::vector<std::string> kCountingLayers = {"count_lstm", "count_lstm_v2", "count_lstm_moe"};
const std::vector<std::string> kEncoderTypes = {"deberta-v3", "bert", "roberta", "electra", "xlm-roberta"};
const std::vector<std::string> kLoraTargets = {"encoder", "span_rep", "classifier", "count_embed", "count_pred"};
const std::vector<std::string> kMetrics = {"micro_f1", "macro_f1", "micro_precision", "micro_recall", "loss"};

// A label list: strings or {name, description}; non-empty, names unique and non-empty.
std::vector<SchemaLabel> parse_labels(const YAML::Node& labels, const Ctx& c, const std::string& where) {
  if (!labels.IsSequence())
    throw InputError(c.file, yaml_line(labels), where,
                     "expected a list of labels (names or {name, description}), or leave it out");
  if (labels.size() == 0)
    throw InputError(c.file, yaml_line(labels), where,
                     "the label set is empty: list at least one label, or leave '" + where +
                         "' out to train on the labels of the prepared data");
  std::vector<SchemaLabel> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string w = where + "[" + std::to_string(i) + "]";
    SchemaLabel l;
    if (labels[i].IsScalar()) {
      l.name = labels[i].Scalar();
    } else {
      check_keys(labels[i], {"name", "description"}, c.file, w);
      l.name = get_string(labels[i], "name", c.file, w, "", true);
      l.description = get_string(labels[i], "description", c.file, w, "");
    }
    if (l.name.empty()) throw InputError(c.file, yaml_line(labels[i]), w, "label name is empty");
    if (!seen.insert(l.name).second)
      throw InputError(c.file, yaml_line(labels[i]), w, "label '" + l.name + "' is listed twice");
    out.push_back(l);
  }
  return out;
}

void parse_model(const YAML::Node& root, const Ctx& c, ModelConfig* m) {
  const YAML::Node n = sub(root, "model");
  check_keys(n, keys_at("model"), c.file, "model");
  m->source = resolve_abs(c.base_dir, get_string(n, "source", c.file, "model", ""));
  require_path(n["source"], "model.source", c, m->source, PathKind::Dir, "model directory");

  const YAML::Node e = sub(n, "encoder");
  const std::string ew = "model.encoder";
  check_keys(e, keys_at(ew), c.file, ew);
  EncoderShape& s = m->encoder;
  s.type = kEncoderTypes[choice(e, "type", c, ew, s.type, kEncoderTypes)];
  s.hidden_size = static_cast<int>(int_in(e, "hidden_size", c, ew, s.hidden_size, 1, 1 << 16));
  s.num_layers = static_cast<int>(int_in(e, "num_layers", c, ew, s.num_layers, 1, 256));
  s.num_heads = static_cast<int>(int_in(e, "num_heads", c, ew, s.num_heads, 1, 1024));
  if (s.hidden_size % s.num_heads != 0)
    throw InputError(c.file, yaml_line(e["num_heads"]), ew + ".num_heads",
                     "hidden_size (" + std::to_string(s.hidden_size) + ") must be divisible by num_heads (" +
                         std::to_string(s.num_heads) + ")");
  s.intermediate_size = static_cast<int>(int_in(e, "intermediate_size", c, ew, s.intermediate_size, 1, 1 << 20));
  s.position_buckets = static_cast<int>(int_in(e, "position_buckets", c, ew, s.position_buckets, -1, 1 << 16));
  s.max_relative_positions =
      static_cast<int>(int_in(e, "max_relative_positions", c, ew, s.max_relative_positions, -1, 1 << 20));
  for (const char* k : {"position_buckets", "max_relative_positions"})
    if (e[k] && !e[k].IsNull() && get_int(e, k, c.file, ew, 0) == 0)
      throw InputError(c.file, yaml_line(e[k]), ew + "." + k, "must be -1 (off / automatic) or positive, got 0");

  m->tokenizer = resolve_abs(c.base_dir, get_string(n, "tokenizer", c.file, "model", ""));
  require_path(n["tokenizer"], "model.tokenizer", c, m->tokenizer, PathKind::Any, "tokenizer");
  m->max_width = static_cast<int>(int_in(n, "max_width", c, "model", m->max_width, 1, 128));
  m->counting_layer = kCountingLayers[choice(n, "counting_layer", c, "model", m->counting_layer, kCountingLayers)];
  m->gradient_checkpointing = get_bool(n, "gradient_checkpointing", c.file, "model", m->gradient_checkpointing);
  m->dropout = double_in(n, "dropout", c, "model", m->dropout, -1, false, 1, true);
  if (m->dropout < 0 && m->dropout != -1)
    throw InputError(c.file, yaml_line(n["dropout"]), "model.dropout", "must be -1 (the model's own) or in [0, 1)");

  const YAML::Node l = sub(n, "lora");
  const std::string lw = "model.lora";
  check_keys(l, keys_at(lw), c.file, lw);
  LoraSettings& lo = m->lora;
  lo.enabled = get_bool(l, "enabled", c.file, lw, lo.enabled);
  lo.r = static_cast<int>(int_in(l, "r", c, lw, lo.r, 1, 4096));
  lo.alpha = double_in(l, "alpha", c, lw, lo.alpha, 0, true, INFINITY, false);
  lo.dropout = double_in(l, "dropout", c, lw, lo.dropout, 0, false, 1, true);
  lo.targets = get_string_list(l, "targets", c.file, lw, lo.targets);
  if (lo.targets.empty())
    throw InputError(c.file, yaml_line(l["targets"]), lw + ".targets", "must name at least one module");
  std::set<std::string> seen;
  for (size_t i = 0; i < lo.targets.size(); ++i) {
    const std::string w = lw + ".targets[" + std::to_string(i) + "]";
    if (std::find(kLoraTargets.begin(), kLoraTargets.end(), lo.targets[i]) == kLoraTargets.end())
      throw InputError(c.file, yaml_line(l["targets"][i]), w, one_of(lo.targets[i], kLoraTargets));
    if (!seen.insert(lo.targets[i]).second)
      throw InputError(c.file, yaml_line(l["targets"][i]), w, "'" + lo.targets[i] + "' is listed twice");
  }
}

void parse_data(const YAML::Node& root, const Ctx& c, TrainConfig* cfg) {
  DataConfig& d = cfg->data;
  const YAML::Node n = root["data"];
  if (!n || n.IsNull())
    throw InputError(c.file, 0, "data",
                     "is required: give data.train (a prepared HDF5 file) or data.prepare (an inline "
                     "prepare config)");
  check_keys(n, keys_at("data"), c.file, "data");
  const std::pair<const char*, std::string*> files[] = {{"train", &d.train}, {"dev", &d.dev}, {"test", &d.test}};
  for (const auto& [key, dst] : files) {
    *dst = resolve_abs(c.base_dir, get_string(n, key, c.file, "data", ""));
    require_path(n[key], std::string("data.") + key, c, *dst, PathKind::File, "prepared data file");
  }
  d.cache_dir = resolve_abs(c.base_dir, get_string(n, "cache_dir", c.file, "data", d.cache_dir));
  if (d.cache_dir.empty())
    throw InputError(c.file, yaml_line(n["cache_dir"]), "data.cache_dir", "must not be empty");

  const YAML::Node p = n["prepare"];
  if (p.IsDefined()) {
    if (!d.train.empty() || !d.dev.empty() || !d.test.empty())
      throw InputError(c.file, yaml_line(p), "data.prepare",
                       "give either data.prepare or prepared files (data.train/dev/test), not both");
    PrepareConfig pc = parse_prepare_config(p, c.file, c.base_dir, "data.prepare", false);
    // The prepared rows must fit the model: the span width defaults to model.max_width.
    if (!p["max_span_width"] || p["max_span_width"].IsNull()) {
      pc.max_span_width = cfg->model.max_width;
    } else if (pc.max_span_width > cfg->model.max_width || pc.max_span_width < 1) {
      throw InputError(c.file, yaml_line(p["max_span_width"]), "data.prepare.max_span_width",
                       "must be between 1 and model.max_width (" + std::to_string(cfg->model.max_width) +
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
    require_path(p["tokenizer"], "data.prepare.tokenizer", c, pc.tokenizer, PathKind::Any, "tokenizer");
    for (size_t i = 0; i < pc.inputs.size(); ++i)
      require_path(p["inputs"][i]["path"], "data.prepare.inputs[" + std::to_string(i) + "].path", c,
                   pc.inputs[i].path, PathKind::File, "input file");
    d.prepare = pc;
  } else if (d.train.empty()) {
    throw InputError(c.file, yaml_line(n), "data",
                     "needs data.train (a prepared HDF5 file) or data.prepare (an inline prepare config)");
  }

  if (n["labels"].IsDefined()) d.labels = parse_labels(n["labels"], c, "data.labels");
}

void parse_optim(const YAML::Node& root, const Ctx& c, OptimConfig* o) {
  const std::string w = "optim";
  const YAML::Node n = sub(root, w);
  check_keys(n, keys_at(w), c.file, w);
  // Any positive finite rate: a sweep may try absurd ones on purpose (the trainer warns above 1).
  o->encoder_lr = double_in(n, "encoder_lr", c, w, o->encoder_lr, 0, true, INFINITY, false);
  o->head_lr = double_in(n, "head_lr", c, w, o->head_lr, 0, true, INFINITY, false);
  o->weight_decay = double_in(n, "weight_decay", c, w, o->weight_decay, 0, false, 1, false);
  o->no_decay = get_string_list(n, "no_decay", c.file, w, o->no_decay);
  for (size_t i = 0; i < o->no_decay.size(); ++i)
    if (o->no_decay[i].empty())
      throw InputError(c.file, yaml_line(n["no_decay"][i]), w + ".no_decay[" + std::to_string(i) + "]",
                       "empty name pattern (it would match every parameter)");
  o->warmup_ratio = double_in(n, "warmup_ratio", c, w, o->warmup_ratio, 0, false, 1, true);
  o->schedule = static_cast<LrSchedule>(choice(n, "schedule", c, w, schedule_name(o->schedule), kSchedules));
  o->epochs = static_cast<int>(int_in(n, "epochs", c, w, o->epochs, 1, 100000));
  o->batch_size = static_cast<int>(int_in(n, "batch_size", c, w, o->batch_size, 1, 1 << 20));
  o->grad_accum = static_cast<int>(int_in(n, "grad_accum", c, w, o->grad_accum, 1, 1 << 16));
  o->max_grad_norm = double_in(n, "max_grad_norm", c, w, o->max_grad_norm, 0, false, INFINITY, false);
  o->seed = static_cast<uint64_t>(int_in(n, "seed", c, w, static_cast<long>(o->seed), 0, LONG_MAX));
  o->token_budget = int_in(n, "token_budget", c, w, o->token_budget, 0, LONG_MAX);
  o->negative_masking_rate = double_in(n, "negative_masking_rate", c, w, o->negative_masking_rate, 0, false, 1, true);
}

void parse_rest(const YAML::Node& root, const Ctx& c, TrainConfig* cfg) {
  cfg->precision = static_cast<Precision>(choice(root, "precision", c, "", precision_name(cfg->precision), kPrecisions));
  cfg->device = static_cast<DeviceKind>(choice(root, "device", c, "", device_kind_name(cfg->device), kDevices));

  {
    const std::string w = "early_stopping";
    const YAML::Node n = sub(root, w);
    check_keys(n, keys_at(w), c.file, w);
    EarlyStoppingConfig& e = cfg->early_stopping;
    e.patience = static_cast<int>(int_in(n, "patience", c, w, e.patience, 0, 1000000));
    e.min_delta = double_in(n, "min_delta", c, w, e.min_delta, 0, false, INFINITY, false);
    e.metric = kMetrics[choice(n, "metric", c, w, e.metric, kMetrics)];
  }
  {
    const std::string w = "eval";
    const YAML::Node n = sub(root, w);
    check_keys(n, keys_at(w), c.file, w);
    EvalConfig& e = cfg->eval;
    e.every_steps = int_in(n, "every_steps", c, w, e.every_steps, 0, LONG_MAX);
    e.thresholds = get_double_list(n, "thresholds", c.file, w, e.thresholds);
    if (e.thresholds.empty())
      throw InputError(c.file, yaml_line(n["thresholds"]), w + ".thresholds", "needs at least one threshold");
    for (size_t i = 0; i < e.thresholds.size(); ++i) {
      const double t = e.thresholds[i];
      const std::string f = w + ".thresholds[" + std::to_string(i) + "]";
      const long line = n["thresholds"].IsDefined() ? yaml_line(n["thresholds"][i]) : 0;
      if (!(t > 0 && t < 1)) throw InputError(c.file, line, f, "must be in (0, 1), got " + fmt_double(t));
      if (i > 0 && !(t > e.thresholds[i - 1]))
        throw InputError(c.file, line, f, "thresholds must be strictly increasing");
    }
    e.batch_size = static_cast<int>(int_in(n, "batch_size", c, w, e.batch_size, 1, 1 << 20));
  }
  {
    const std::string w = "checkpoint";
    const YAML::Node n = sub(root, w);
    check_keys(n, keys_at(w), c.file, w);
    CheckpointConfig& k = cfg->checkpoint;
    k.every_steps = int_in(n, "every_steps", c, w, k.every_steps, 0, LONG_MAX);
    k.keep_last = static_cast<int>(int_in(n, "keep_last", c, w, k.keep_last, 0, 1000000));
    k.keep_best = get_bool(n, "keep_best", c.file, w, k.keep_best);
  }
  {
    const std::string w = "log";
    const YAML::Node n = sub(root, w);
    check_keys(n, keys_at(w), c.file, w);
    LogConfig& l = cfg->log;
    l.every_steps = int_in(n, "every_steps", c, w, l.every_steps, 1, LONG_MAX);
    l.tensorboard = get_bool(n, "tensorboard", c.file, w, l.tensorboard);
    l.progress = static_cast<ProgressMode>(choice(n, "progress", c, w, progress_name(l.progress), kProgress));
  }
  cfg->output_dir = resolve_abs(c.base_dir, get_string(root, "output_dir", c.file, "", cfg->output_dir));
  if (cfg->output_dir.empty())
    throw InputError(c.file, yaml_line(root["output_dir"]), "output_dir", "must not be empty");
  {
    const std::string w = "comm";
    const YAML::Node n = sub(root, w);
    check_keys(n, keys_at(w), c.file, w);
    CommConfig& m = cfg->comm;
    m.backend = static_cast<CommBackend>(choice(n, "backend", c, w, comm_backend_name(m.backend), kBackends));
    m.bucket_mb = double_in(n, "bucket_mb", c, w, m.bucket_mb, 0, true, 65536, false);
    m.overlap = get_bool(n, "overlap", c.file, w, m.overlap);
    m.timeout_s = static_cast<int>(int_in(n, "timeout_s", c, w, m.timeout_s, 1, 1000000));
    m.compression =
        static_cast<GradCompression>(choice(n, "compression", c, w, compression_name(m.compression), kCompressions));
  }
}

// ---- equality -----------------------------------------------------------------------------
bool same(const SchemaLabel& a, const SchemaLabel& b) { return a.name == b.name && a.description == b.description; }
bool same(const std::vector<SchemaLabel>& a, const std::vector<SchemaLabel>& b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](const SchemaLabel& x, const SchemaLabel& y) { return same(x, y); });
}
bool same(const PrepareInput& a, const PrepareInput& b) {
  return a.path == b.path && a.format == b.format && a.name == b.name && a.weight == b.weight &&
         a.silver == b.silver && a.split == b.split;
}
bool same(const PrepareConfig& a, const PrepareConfig& b) {
  if (a.inputs.size() != b.inputs.size()) return false;
  for (size_t i = 0; i < a.inputs.size(); ++i)
    if (!same(a.inputs[i], b.inputs[i])) return false;
  return a.tokenizer == b.tokenizer && a.unit_mode == b.unit_mode && a.max_length == b.max_length &&
         a.overflow == b.overflow && a.window_stride == b.window_stride &&
         a.max_span_width == b.max_span_width && same(a.labels, b.labels) &&
         a.dev_fraction == b.dev_fraction && a.test_fraction == b.test_fraction &&
         a.split_seed == b.split_seed && a.output_dir == b.output_dir && a.on_error == b.on_error &&
         a.unmatched == b.unmatched && a.matching.case_insensitive == b.matching.case_insensitive &&
         a.matching.unicode == b.matching.unicode && a.matching.whitespace == b.matching.whitespace &&
         a.memo_words == b.memo_words && a.add_gliner2_tokens == b.add_gliner2_tokens;
}

// ---- emitting -----------------------------------------------------------------------------
// Strings are always double-quoted so that a value like "null", "yes" or "1e3" reads back as the
// same string; numbers use the shortest text that reads back to the same value.
void kv(YAML::Emitter& out, const std::string& k, const std::string& v) {
  out << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
}
void kv_word(YAML::Emitter& out, const std::string& k, const std::string& v) {
  out << YAML::Key << k << YAML::Value << v;
}
void kv(YAML::Emitter& out, const std::string& k, double v) {
  out << YAML::Key << k << YAML::Value << fmt_double(v);
}
void kv(YAML::Emitter& out, const std::string& k, long long v) {
  out << YAML::Key << k << YAML::Value << v;
}
void kv(YAML::Emitter& out, const std::string& k, int v) { kv(out, k, static_cast<long long>(v)); }
void kv(YAML::Emitter& out, const std::string& k, bool v) {
  out << YAML::Key << k << YAML::Value << v;
}
void kv(YAML::Emitter& out, const std::string& k, const std::vector<std::string>& v) {
  out << YAML::Key << k << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& s : v) out << YAML::DoubleQuoted << s;
  out << YAML::EndSeq;
}
void kv(YAML::Emitter& out, const std::string& k, const std::vector<double>& v) {
  out << YAML::Key << k << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (double d : v) out << fmt_double(d);
  out << YAML::EndSeq;
}
void kv(YAML::Emitter& out, const std::string& k, const std::vector<SchemaLabel>& v) {
  out << YAML::Key << k << YAML::Value << YAML::BeginSeq;
  for (const auto& l : v) {
    out << YAML::Flow << YAML::BeginMap;
    kv(out, "name", l.name);
    kv(out, "description", l.description);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void emit_prepare(YAML::Emitter& out, const PrepareConfig& p) {
  out << YAML::Key << "prepare" << YAML::Value << YAML::BeginMap;
  kv(out, "tokenizer", p.tokenizer);
  kv(out, "add_gliner2_tokens", p.add_gliner2_tokens);
  kv_word(out, "unit_mode", unit_mode_name(p.unit_mode));
  kv(out, "max_length", p.max_length);
  kv_word(out, "overflow", p.overflow);
  kv(out, "window_stride", p.window_stride);
  kv(out, "max_span_width", p.max_span_width);
  if (!p.labels.empty()) kv(out, "labels", p.labels);  // empty = every label in the data
  out << YAML::Key << "split" << YAML::Value << YAML::Flow << YAML::BeginMap;
  kv(out, "dev", p.dev_fraction);
  kv(out, "test", p.test_fraction);
  kv(out, "seed", static_cast<long long>(p.split_seed));
  out << YAML::EndMap;
  kv(out, "output", p.output_dir);
  kv_word(out, "on_error", p.on_error == OnError::Skip ? "skip" : "fail");
  kv_word(out, "unmatched_mentions", unmatched_policy_name(p.unmatched));
  out << YAML::Key << "mention_matching" << YAML::Value << YAML::Flow << YAML::BeginMap;
  kv(out, "case_insensitive", p.matching.case_insensitive);
  kv_word(out, "unicode", unicode_form_name(p.matching.unicode));
  kv(out, "whitespace", p.matching.whitespace);
  out << YAML::EndMap;
  out << YAML::Key << "inputs" << YAML::Value << YAML::BeginSeq;
  for (const auto& in : p.inputs) {
    out << YAML::Flow << YAML::BeginMap;
    kv(out, "path", in.path);
    kv(out, "format", in.format);
    kv(out, "name", in.name);
    out << YAML::Key << "weight" << YAML::Value << fmt_float(in.weight);
    kv_word(out, "tag", in.silver ? "silver" : "gold");
    kv(out, "split", in.split);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::EndMap;
}

// ---- cache key ----------------------------------------------------------------------------
// "key=<length>:<value>\n": unambiguous whatever the value holds.
void put(std::string* s, const std::string& k, const std::string& v) {
  *s += k + "=" + std::to_string(v.size()) + ":" + v + "\n";
}

std::string file_digest(const std::string& path, const std::string& field) {
  try {
    return sha256_file_hex(path);
  } catch (const std::exception& e) {
    throw InputError(path, 0, field, std::string("cannot read the file to compute the prepare cache key: ") + e.what());
  }
}

}  // namespace

std::string schedule_name(LrSchedule s) { return kSchedules[static_cast<size_t>(s)]; }
std::string precision_name(Precision p) { return kPrecisions[static_cast<size_t>(p)]; }
std::string progress_name(ProgressMode m) { return kProgress[static_cast<size_t>(m)]; }
std::string device_kind_name(DeviceKind d) { return kDevices[static_cast<size_t>(d)]; }

bool operator==(const TrainConfig& a, const TrainConfig& b) {
  const ModelConfig &ma = a.model, &mb = b.model;
  const EncoderShape &ea = ma.encoder, &eb = mb.encoder;
  const bool model =
      ma.source == mb.source && ea.type == eb.type && ea.hidden_size == eb.hidden_size && ea.num_layers == eb.num_layers &&
      ea.num_heads == eb.num_heads && ea.intermediate_size == eb.intermediate_size &&
      ea.position_buckets == eb.position_buckets && ea.max_relative_positions == eb.max_relative_positions && ma.dropout == mb.dropout &&
      ma.tokenizer == mb.tokenizer && ma.max_width == mb.max_width && ma.counting_layer == mb.counting_layer &&
      ma.gradient_checkpointing == mb.gradient_checkpointing && ma.lora.enabled == mb.lora.enabled &&
      ma.lora.r == mb.lora.r && ma.lora.alpha == mb.lora.alpha && ma.lora.dropout == mb.lora.dropout &&
      ma.lora.targets == mb.lora.targets;
  const DataConfig &da = a.data, &db = b.data;
  const bool data = da.train == db.train && da.dev == db.dev && da.test == db.test &&
                    da.prepare.has_value() == db.prepare.has_value() &&
                    (!da.prepare || same(*da.prepare, *db.prepare)) && da.cache_dir == db.cache_dir &&
                    same(da.labels, db.labels);
  const OptimConfig &oa = a.optim, &ob = b.optim;
  const bool optim = oa.encoder_lr == ob.encoder_lr && oa.head_lr == ob.head_lr &&
                     oa.weight_decay == ob.weight_decay && oa.no_decay == ob.no_decay &&
                     oa.warmup_ratio == ob.warmup_ratio && oa.schedule == ob.schedule &&
                     oa.epochs == ob.epochs && oa.batch_size == ob.batch_size &&
                     oa.grad_accum == ob.grad_accum && oa.max_grad_norm == ob.max_grad_norm &&
                     oa.seed == ob.seed && oa.token_budget == ob.token_budget &&
                     oa.negative_masking_rate == ob.negative_masking_rate;
  const bool rest =
      a.precision == b.precision && a.device == b.device && a.early_stopping.patience == b.early_stopping.patience &&
      a.early_stopping.min_delta == b.early_stopping.min_delta && a.early_stopping.metric == b.early_stopping.metric &&
      a.eval.every_steps == b.eval.every_steps && a.eval.thresholds == b.eval.thresholds &&
      a.eval.batch_size == b.eval.batch_size && a.checkpoint.every_steps == b.checkpoint.every_steps &&
      a.checkpoint.keep_last == b.checkpoint.keep_last && a.checkpoint.keep_best == b.checkpoint.keep_best &&
      a.log.every_steps == b.log.every_steps && a.log.tensorboard == b.log.tensorboard &&
      a.log.progress == b.log.progress && a.output_dir == b.output_dir && a.comm.backend == b.comm.backend &&
      a.comm.bucket_mb == b.comm.bucket_mb && a.comm.overlap == b.comm.overlap && a.comm.timeout_s == b.comm.timeout_s &&
      a.comm.compression == b.comm.compression;
  return model && data && optim && rest;
}

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
  const Key* spec = &schema();
  std::string walked;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Key* next = child_of(*spec, parts[i]);
    if (!next) {
      // 1. the rest of the key is a key of another section ("encoder_lr" -> "optim.encoder_lr");
      // 2. a sibling with it as a word; 3. a sibling spelled alike; 4. the closest dotted key.
      std::vector<std::string> all;
      leaf_paths(schema(), "", &all);
      std::string rest = parts[i];
      for (size_t j = i + 1; j < parts.size(); ++j) rest += "." + parts[j];
      std::string hint;
      for (const auto& p : all)
        if (p.size() > rest.size() && p.compare(p.size() - rest.size() - 1, std::string::npos, "." + rest) == 0)
          hint += (hint.empty() ? "" : "' or '") + p;
      if (hint.empty()) {  // a sibling that has it as a word: "lr" -> "encoder_lr", "head_lr"
        for (const auto& n : names_of(*spec)) {
          std::stringstream words(n);
          std::string w;
          bool found = false;
          while (std::getline(words, w, '_')) found |= w == parts[i];
          if (found) hint += (hint.empty() ? "" : "' or '") + join(walked, n);
        }
      }
      if (hint.empty()) {
        hint = closest_name(parts[i], names_of(*spec));
        if (!hint.empty()) hint = join(walked, hint);
      }
      if (hint.empty()) hint = closest_name(key, all);
      throw InputError("--set", 0, key,
                       "unknown key '" + key + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)"));
    }
    if (i + 1 < parts.size() && !next->section)
      throw InputError("--set", 0, key, "'" + join(walked, parts[i]) + "' is a value, not a section");
    walked = join(walked, parts[i]);
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
  Ctx c{file, fs::absolute(base_dir.empty() ? fs::path(".") : fs::path(base_dir)).lexically_normal().string(),
        check_files};
  if (!root.IsDefined() || root.IsNull())
    throw InputError(file, 0, "", "the config is empty (it needs at least a 'data' section)");
  check_keys(root, names_of(schema()), file, "");
  check_utf8_tree(root, file, "");
  TrainConfig cfg;
  parse_model(root, c, &cfg.model);
  parse_data(root, c, &cfg);
  if (cfg.model.source.empty() && cfg.model.tokenizer.empty()) {
    if (!cfg.data.prepare)
      throw InputError(file, yaml_line(root["model"]), "model.tokenizer",
                       "is required when model.source is empty (a from-scratch model needs the "
                       "tokenizer its data was prepared with)");
    cfg.model.tokenizer = cfg.data.prepare->tokenizer;
  }
  parse_optim(root, c, &cfg.optim);
  parse_rest(root, c, &cfg);
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

  const ModelConfig& m = cfg.model;
  out << YAML::Key << "model" << YAML::Value << YAML::BeginMap;
  kv(out, "source", m.source);
  out << YAML::Key << "encoder" << YAML::Value << YAML::BeginMap;
  kv(out, "type", m.encoder.type);
  kv(out, "hidden_size", m.encoder.hidden_size);
  kv(out, "num_layers", m.encoder.num_layers);
  kv(out, "num_heads", m.encoder.num_heads);
  kv(out, "intermediate_size", m.encoder.intermediate_size);
  kv(out, "position_buckets", m.encoder.position_buckets);
  kv(out, "max_relative_positions", m.encoder.max_relative_positions);
  out << YAML::EndMap;
  kv(out, "tokenizer", m.tokenizer);
  kv(out, "max_width", m.max_width);
  kv_word(out, "counting_layer", m.counting_layer);
  kv(out, "gradient_checkpointing", m.gradient_checkpointing);
  kv(out, "dropout", m.dropout);
  out << YAML::Key << "lora" << YAML::Value << YAML::BeginMap;
  kv(out, "enabled", m.lora.enabled);
  kv(out, "r", m.lora.r);
  kv(out, "alpha", m.lora.alpha);
  kv(out, "dropout", m.lora.dropout);
  kv(out, "targets", m.lora.targets);
  out << YAML::EndMap;
  out << YAML::EndMap;

  const DataConfig& d = cfg.data;
  out << YAML::Key << "data" << YAML::Value << YAML::BeginMap;
  if (d.prepare) {
    emit_prepare(out, *d.prepare);
  } else {
    kv(out, "train", d.train);
    kv(out, "dev", d.dev);
    kv(out, "test", d.test);
  }
  kv(out, "cache_dir", d.cache_dir);
  if (!d.labels.empty()) kv(out, "labels", d.labels);  // left out = the prepared data's labels
  out << YAML::EndMap;

  const OptimConfig& o = cfg.optim;
  out << YAML::Key << "optim" << YAML::Value << YAML::BeginMap;
  kv(out, "encoder_lr", o.encoder_lr);
  kv(out, "head_lr", o.head_lr);
  kv(out, "weight_decay", o.weight_decay);
  kv(out, "no_decay", o.no_decay);
  kv(out, "warmup_ratio", o.warmup_ratio);
  kv_word(out, "schedule", schedule_name(o.schedule));
  kv(out, "epochs", o.epochs);
  kv(out, "batch_size", o.batch_size);
  kv(out, "grad_accum", o.grad_accum);
  kv(out, "max_grad_norm", o.max_grad_norm);
  kv(out, "seed", static_cast<long long>(o.seed));
  kv(out, "token_budget", static_cast<long long>(o.token_budget));
  kv(out, "negative_masking_rate", o.negative_masking_rate);
  out << YAML::EndMap;

  kv_word(out, "precision", precision_name(cfg.precision));
  kv_word(out, "device", device_kind_name(cfg.device));

  out << YAML::Key << "early_stopping" << YAML::Value << YAML::BeginMap;
  kv(out, "patience", cfg.early_stopping.patience);
  kv(out, "min_delta", cfg.early_stopping.min_delta);
  kv_word(out, "metric", cfg.early_stopping.metric);
  out << YAML::EndMap;

  out << YAML::Key << "eval" << YAML::Value << YAML::BeginMap;
  kv(out, "every_steps", static_cast<long long>(cfg.eval.every_steps));
  kv(out, "thresholds", cfg.eval.thresholds);
  kv(out, "batch_size", cfg.eval.batch_size);
  out << YAML::EndMap;

  out << YAML::Key << "checkpoint" << YAML::Value << YAML::BeginMap;
  kv(out, "every_steps", static_cast<long long>(cfg.checkpoint.every_steps));
  kv(out, "keep_last", cfg.checkpoint.keep_last);
  kv(out, "keep_best", cfg.checkpoint.keep_best);
  out << YAML::EndMap;

  out << YAML::Key << "log" << YAML::Value << YAML::BeginMap;
  kv(out, "every_steps", static_cast<long long>(cfg.log.every_steps));
  kv(out, "tensorboard", cfg.log.tensorboard);
  kv_word(out, "progress", progress_name(cfg.log.progress));
  out << YAML::EndMap;

  kv(out, "output_dir", cfg.output_dir);

  out << YAML::Key << "comm" << YAML::Value << YAML::BeginMap;
  kv_word(out, "backend", comm_backend_name(cfg.comm.backend));
  kv(out, "bucket_mb", cfg.comm.bucket_mb);
  kv(out, "overlap", cfg.comm.overlap);
  kv(out, "timeout_s", cfg.comm.timeout_s);
  kv_word(out, "compression", compression_name(cfg.comm.compression));
  out << YAML::EndMap;

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

std::string prepare_cache_key(const PrepareConfig& p) {
  // v2: GLiNER2 mentions keep nested/crossing occurrences and follow unmatched_mentions.
  std::string s = "gtrain prepare cache key v2\n";
  put(&s, "format_version", std::to_string(kPreparedFormatVersion));
  put(&s, "unit_mode", unit_mode_name(p.unit_mode));
  put(&s, "max_length", std::to_string(p.max_length));
  put(&s, "overflow", p.overflow);
  put(&s, "window_stride", std::to_string(p.window_stride));
  put(&s, "max_span_width", std::to_string(p.max_span_width));
  put(&s, "add_gliner2_tokens", p.add_gliner2_tokens ? "1" : "0");
  put(&s, "on_error", p.on_error == OnError::Skip ? "skip" : "fail");
  put(&s, "unmatched_mentions", unmatched_policy_name(p.unmatched));
  put(&s, "mention_matching", std::string(p.matching.case_insensitive ? "ci" : "cs") + "," +
                                  unicode_form_name(p.matching.unicode) + "," + (p.matching.whitespace ? "ws" : "-"));
  put(&s, "dev_fraction", fmt_double(p.dev_fraction));
  put(&s, "test_fraction", fmt_double(p.test_fraction));
  put(&s, "split_seed", std::to_string(p.split_seed));
  put(&s, "labels", std::to_string(p.labels.size()));
  for (const auto& l : p.labels) {
    put(&s, "label.name", l.name);
    put(&s, "label.description", l.description);
  }
  put(&s, "inputs", std::to_string(p.inputs.size()));
  for (size_t i = 0; i < p.inputs.size(); ++i) {
    const PrepareInput& in = p.inputs[i];
    put(&s, "input.file_name", fs::path(in.path).filename().string());  // the default source name
    put(&s, "input.format", in.format);
    put(&s, "input.name", in.name);
    put(&s, "input.weight", fmt_float(in.weight));
    put(&s, "input.tag", in.silver ? "silver" : "gold");
    put(&s, "input.split", in.split);
    put(&s, "input.sha256", file_digest(in.path, "data.prepare.inputs[" + std::to_string(i) + "].path"));
  }
  // The tokenizer: the files open_tokenizer reads from a folder, or the one file.
  std::error_code ec;
  if (fs::is_directory(p.tokenizer, ec)) {
    for (const char* name : {"spm.model", "tokenizer.json", "vocab.txt", "added_tokens.json"}) {
      const fs::path f = fs::path(p.tokenizer) / name;
      if (fs::exists(f, ec)) {
        put(&s, "tokenizer.file", name);
        put(&s, "tokenizer.sha256", file_digest(f.string(), "data.prepare.tokenizer"));
      }
    }
  } else {
    put(&s, "tokenizer.file", fs::path(p.tokenizer).filename().string());
    put(&s, "tokenizer.sha256", file_digest(p.tokenizer, "data.prepare.tokenizer"));
  }
  return sha256_hex(s);
}

std::string prepared_data_dir(const DataConfig& data) {
  if (!data.prepare) return "";
  if (!data.prepare->output_dir.empty()) return data.prepare->output_dir;
  return (fs::path(data.cache_dir) / prepare_cache_key(*data.prepare).substr(0, 16)).string();
}

}  // namespace gtrain
