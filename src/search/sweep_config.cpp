#include "search/sweep_config.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "config/train_config.h"
#include "config/yaml_check.h"
#include "io/input_error.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {

// splitmix64: the random method's draws, identical on every platform.
struct Draw {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
};

std::string num(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

const std::vector<std::string> kMetrics = {"micro_f1", "macro_f1", "micro_precision", "micro_recall", "loss"};

// ASHA in epochs sets every trial's optim.epochs to its budget, which would replace a searched
// optim.epochs without a word.
void check_space_against_asha(const SweepConfig& s, const YAML::Node& space, const std::string& path) {
  if (!s.asha.enabled || s.asha.unit != "epochs") return;
  for (const SearchDim& d : s.space)
    if (d.key == "optim.epochs")
      throw InputError(path, yaml_line(space[d.key]), "space.optim.epochs",
                       "ASHA (asha.unit: epochs) trains every trial for asha.max_budget epochs, which would replace the "
                       "searched optim.epochs: search it with asha: {enabled: false}, or leave the length to ASHA");
}

// The sweep sets every trial's optim.seed (seed + repeat), which would replace a searched one.
void check_space_leaves_the_seed(const SweepConfig& s, const YAML::Node& space, const std::string& path) {
  for (const SearchDim& d : s.space)
    if (d.key == "optim.seed")
      throw InputError(path, yaml_line(space[d.key]), "space.optim.seed",
                       "each trial's seed is the base config's optim.seed + its repeat, which would replace the "
                       "searched one: run seeds with `repeats: N` (and set the first with set: {optim.seed: S})");
}

// A `set:` value as --set takes it: a scalar as written, a list or map in YAML's flow style.
std::string override_value(const YAML::Node& v) {
  if (v.IsScalar()) return v.Scalar();
  YAML::Emitter e;
  e << YAML::Flow << v;
  return e.c_str();
}

// `set:` through the base config's own parser (its values are every trial's), and each `space:`
// key through its key check: a misspelt key or a bad fixed value is refused here, naming this file,
// before any trial runs (each trial used to fail with it, and the journal then held the sweep to the
// file). A dimension's values are not checked here: one may be valid only together with another
// dimension's (num_heads with hidden_size), so a bad one fails its trials.
void check_against_base(const SweepConfig& s, const YAML::Node& root, const std::string& path) {
  try {
    load_train_config(s.base_config, s.fixed_overrides, /*check_files=*/false);
  } catch (const InputError& e) {
    // The base alone loading, the error is set:'s, whichever field the check named.
    if (e.file() != "--set") load_train_config(s.base_config, {}, /*check_files=*/false);
    throw InputError(path, yaml_line(root["set"]), "set", (e.field().empty() ? "" : "'" + e.field() + "': ") + e.reason());
  }
  YAML::Node base = load_yaml_file(s.base_config);  // only the keys are checked: one tree serves all
  for (const SearchDim& d : s.space) {
    try {
      apply_override(base, d.key + "=" + (d.kind == SearchDim::Kind::Choice ? d.values.front() : num(d.low)));
    } catch (const InputError& e) {
      throw InputError(path, yaml_line(root["space"][d.key]), "space." + d.key, e.reason());
    }
  }
}

}  // namespace

std::vector<double> AshaSettings::rungs() const {
  std::vector<double> r;
  for (double b = grace_period; b < max_budget - 1e-9; b *= reduction_factor) r.push_back(b);
  return r;
}

std::vector<std::string> trial_config_overrides(const SweepConfig& s, const std::vector<std::string>& params,
                                                double max_budget) {
  std::vector<std::string> ov = s.fixed_overrides;
  ov.insert(ov.end(), params.begin(), params.end());
  ov.push_back("early_stopping.metric=" + s.metric);
  if (s.asha.enabled && s.asha.unit == "epochs" && max_budget > 0)
    ov.push_back("optim.epochs=" + std::to_string(static_cast<int>(std::ceil(max_budget))));
  return ov;
}

double metric_goal(const std::string& metric, double value) { return metric == "loss" ? -value : value; }

SweepConfig load_sweep_config(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  SweepConfig s;
  s.file = path;
  const fs::path dir = fs::absolute(path).parent_path();
  auto abs = [&](const std::string& p) { return p.empty() ? p : (fs::path(p).is_absolute() ? p : (dir / p).lexically_normal().string()); };
  check_keys(root, {"base", "set", "space", "method", "trials", "seed", "repeats", "metric", "asha", "output_dir"}, path, "");
  s.base_config = abs(get_string(root, "base", path, "", "", /*required=*/true));
  if (!fs::exists(s.base_config))
    throw InputError(path, yaml_line(root["base"]), "base", "training config not found: " + s.base_config);
  if (const YAML::Node set = root["set"]) {
    if (!set.IsMap()) throw InputError(path, yaml_line(set), "set", "expected a map of config key: value");
    for (const auto& kv : set) s.fixed_overrides.push_back(kv.first.as<std::string>() + "=" + override_value(kv.second));
  }
  const YAML::Node space = root["space"];
  if (!space || !space.IsMap() || space.size() == 0)
    throw InputError(path, yaml_line(space), "space", "expected a non-empty map of config key: {type: ...}");
  for (const auto& kv : space) {
    SearchDim d;
    d.key = kv.first.as<std::string>();
    const std::string w = "space." + d.key;
    const YAML::Node n = kv.second;
    if (!n.IsMap()) throw InputError(path, yaml_line(n), w, "expected {type: choice|uniform|log_uniform|int, ...}");
    check_keys(n, {"type", "values", "low", "high"}, path, w);
    const std::string type = get_string(n, "type", path, w, "", true);
    if (type == "choice") {
      d.kind = SearchDim::Kind::Choice;
      d.values = get_string_list(n, "values", path, w, {});
      if (d.values.empty()) throw InputError(path, yaml_line(n), w + ".values", "a choice needs at least one value");
    } else if (type == "uniform" || type == "log_uniform" || type == "int") {
      d.kind = type == "uniform" ? SearchDim::Kind::Uniform : type == "int" ? SearchDim::Kind::Int : SearchDim::Kind::LogUniform;
      if (!n["low"] || !n["high"]) throw InputError(path, yaml_line(n), w, type + " needs low and high");
      d.low = get_double(n, "low", path, w, 0);
      d.high = get_double(n, "high", path, w, 0);
      if (!(d.low <= d.high)) throw InputError(path, yaml_line(n["high"]), w + ".high", "must be >= low");
      if (d.kind == SearchDim::Kind::LogUniform && d.low <= 0)
        throw InputError(path, yaml_line(n["low"]), w + ".low", "log_uniform needs low > 0");
      if (d.kind == SearchDim::Kind::Int && (d.low != std::floor(d.low) || d.high != std::floor(d.high)))
        throw InputError(path, yaml_line(n), w, "int bounds must be whole numbers");
    } else {
      const std::string near = closest_name(type, {"choice", "uniform", "log_uniform", "int"});
      throw InputError(path, yaml_line(n["type"]), w + ".type",
                       "unknown type '" + type + "'" + (near.empty() ? "" : "; did you mean '" + near + "'?"));
    }
    s.space.push_back(std::move(d));
  }
  s.method = get_string(root, "method", path, "", s.method);
  if (s.method != "random" && s.method != "grid")
    throw InputError(path, yaml_line(root["method"]), "method", "must be random or grid, got '" + s.method + "'");
  if (s.method == "grid")
    for (const SearchDim& d : s.space)
      if (d.kind == SearchDim::Kind::Uniform || d.kind == SearchDim::Kind::LogUniform)
        throw InputError(path, yaml_line(space[d.key]), "space." + d.key,
                         "grid search needs choice or int dimensions (a continuous range has no grid)");
  s.trials = static_cast<int>(get_int(root, "trials", path, "", s.method == "grid" ? 0 : s.trials));
  if (s.trials < 0 || (s.method == "random" && s.trials < 1))
    throw InputError(path, yaml_line(root["trials"]), "trials", "must be >= 1 (random) or >= 0 (grid, 0 = all)");
  s.seed = static_cast<uint64_t>(get_int(root, "seed", path, "", 0));
  s.repeats = static_cast<int>(get_int(root, "repeats", path, "", 1));
  if (s.repeats < 1) throw InputError(path, yaml_line(root["repeats"]), "repeats", "must be >= 1");
  s.metric = get_string(root, "metric", path, "", s.metric);
  bool known = false;
  for (const auto& m : kMetrics) known |= m == s.metric;
  if (!known) {
    const std::string near = closest_name(s.metric, kMetrics);
    throw InputError(path, yaml_line(root["metric"]), "metric",
                     "unknown metric '" + s.metric + "'" + (near.empty() ? "" : "; did you mean '" + near + "'?"));
  }
  if (const YAML::Node a = root["asha"]) {
    check_keys(a, {"enabled", "grace_period", "reduction_factor", "max_budget", "unit"}, path, "asha");
    AshaSettings& h = s.asha;
    h.enabled = get_bool(a, "enabled", path, "asha", true);
    h.grace_period = get_double(a, "grace_period", path, "asha", h.grace_period);
    h.reduction_factor = get_double(a, "reduction_factor", path, "asha", h.reduction_factor);
    h.max_budget = get_double(a, "max_budget", path, "asha", h.max_budget);
    h.unit = get_string(a, "unit", path, "asha", h.unit);
    if (h.unit != "epochs" && h.unit != "steps")
      throw InputError(path, yaml_line(a["unit"]), "asha.unit", "must be epochs or steps");
    if (!(h.grace_period > 0)) throw InputError(path, yaml_line(a["grace_period"]), "asha.grace_period", "must be > 0");
    if (!(h.reduction_factor > 1))
      throw InputError(path, yaml_line(a["reduction_factor"]), "asha.reduction_factor", "must be > 1");
    if (h.max_budget < 0) throw InputError(path, yaml_line(a["max_budget"]), "asha.max_budget", "must be >= 0");
    if (h.enabled && h.unit == "steps" && h.max_budget == 0)
      throw InputError(path, yaml_line(a), "asha.max_budget",
                       "unit: steps needs max_budget, a full trial's optimizer steps (steps per epoch depend on the "
                       "data, the batch and the ranks per trial; only unit: epochs defaults to the base's epochs)");
  }
  check_space_against_asha(s, space, path);
  check_space_leaves_the_seed(s, space, path);
  check_against_base(s, root, path);
  s.output_dir = abs(get_string(root, "output_dir", path, "", "runs/sweep"));
  return s;
}

std::vector<TrialSpec> make_trials(const SweepConfig& s) {
  std::vector<std::vector<std::string>> configs;
  if (s.method == "grid") {
    std::vector<std::vector<std::string>> axes;
    for (const SearchDim& d : s.space) {
      std::vector<std::string> ax;
      if (d.kind == SearchDim::Kind::Choice) {
        for (const auto& v : d.values) ax.push_back(d.key + "=" + v);
      } else {
        for (long v = static_cast<long>(d.low); v <= static_cast<long>(d.high); ++v) ax.push_back(d.key + "=" + std::to_string(v));
      }
      axes.push_back(ax);
    }
    configs.push_back({});
    for (const auto& ax : axes) {  // the last dimension varies fastest
      std::vector<std::vector<std::string>> next;
      for (const auto& c : configs)
        for (const auto& v : ax) {
          auto e = c;
          e.push_back(v);
          next.push_back(e);
        }
      configs.swap(next);
    }
    if (s.trials > 0 && static_cast<int>(configs.size()) > s.trials) configs.resize(static_cast<size_t>(s.trials));
  } else {
    Draw rng{s.seed ^ 0x5EEDULL};
    for (int t = 0; t < s.trials; ++t) {
      std::vector<std::string> c;
      for (const SearchDim& d : s.space) {
        const double u = rng.unit();
        std::string v;
        switch (d.kind) {
          case SearchDim::Kind::Choice: v = d.values[static_cast<size_t>(u * static_cast<double>(d.values.size()))]; break;
          case SearchDim::Kind::Uniform: v = num(d.low + u * (d.high - d.low)); break;
          case SearchDim::Kind::LogUniform: v = num(std::exp(std::log(d.low) + u * (std::log(d.high) - std::log(d.low)))); break;
          case SearchDim::Kind::Int:
            v = std::to_string(static_cast<long>(d.low) + static_cast<long>(u * (d.high - d.low + 1)));
            break;
        }
        c.push_back(d.key + "=" + v);
      }
      configs.push_back(c);
    }
  }
  std::vector<TrialSpec> out;
  for (size_t c = 0; c < configs.size(); ++c)
    for (int r = 0; r < s.repeats; ++r) {
      TrialSpec t;
      t.id = static_cast<int64_t>(out.size());
      t.config_index = static_cast<int64_t>(c);
      t.repeat = r;
      t.params = configs[c];
      out.push_back(t);
    }
  return out;
}

void apply_sweep_command_line(SweepConfig* s, const std::vector<std::string>& sets, const std::string& output_dir) {
  for (const std::string& kv : sets) {
    const size_t eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw InputError("--set", 0, kv, "expected key=value");
    const std::string key = kv.substr(0, eq);
    for (const SearchDim& d : s->space)
      if (d.key == key)
        throw InputError("--set", 0, key, "is searched by the sweep's space (" + s->file + "): every trial would replace it");
    s->fixed_overrides.push_back(kv);
  }
  if (!sets.empty()) load_train_config(s->base_config, s->fixed_overrides, /*check_files=*/false);
  if (!output_dir.empty()) s->output_dir = fs::absolute(output_dir).lexically_normal().string();
}

}  // namespace gtrain
