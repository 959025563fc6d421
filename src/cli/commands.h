// Each subcommand registers its options and its callback on the root CLI11 app.
#pragma once
#include <CLI/CLI.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "io/input_error.h"
#include "data/reader.h"

namespace gtrain::cli {

void add_prepare_command(CLI::App& app);
void add_data_command(CLI::App& app);        // data inspect
void add_tokenizer_command(CLI::App& app);   // tokenizer train | encode
void add_bench_command(CLI::App& app);       // bench prepare | step | allreduce
void add_train_command(CLI::App& app);       // train
void add_eval_command(CLI::App& app);        // eval
void add_predict_command(CLI::App& app);     // predict
void add_swap_encoder_command(CLI::App& app);  // swap-encoder
void add_export_command(CLI::App& app);      // export
void add_sweep_command(CLI::App& app);       // sweep
void add_plan_command(CLI::App& app);        // plan
std::string version_text();

// Option checks shared by the commands: a score threshold strictly inside (0, 1) (NaN refused),
// and a count of at least 1.
inline CLI::Validator open_unit_interval() {
  return CLI::Validator(
      [](std::string& v) -> std::string {
        double x = 0;
        try {
          size_t used = 0;
          x = std::stod(v, &used);
          if (used != v.size()) return "expected a number in (0, 1), got '" + v + "'";
        } catch (const std::exception&) {
          return "expected a number in (0, 1), got '" + v + "'";
        }
        if (!(x > 0.0 && x < 1.0)) return "must be in (0, 1), got " + v;
        return {};
      },
      "in (0, 1)");
}
inline CLI::Validator at_least_one() { return CLI::Range(1, 1 << 30).description(">= 1"); }

// "a, b,,c" -> {"a", "b", "c"}: the items of a list option, spaces around each trimmed, empty ones
// dropped (a label typed as "Disease, Drug" is "Drug", not " Drug").
inline std::vector<std::string> split_list(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (begin <= s.size()) {
    size_t end = s.find(sep, begin);
    if (end == std::string::npos) end = s.size();
    size_t a = begin, b = end;
    while (a < b && (s[a] == ' ' || s[a] == '\t')) ++a;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) --b;
    if (b > a) out.push_back(s.substr(a, b - a));
    begin = end + 1;
  }
  return out;
}

// --labels A,B (prepare, predict): the names, at least one and each once; errors name the flag.
inline std::vector<std::string> label_names_flag(const std::string& value) {
  std::vector<std::string> names = split_list(value, ',');
  if (names.empty()) throw InputError("", 0, "--labels", "no label names in '" + value + "'");
  // "Disease,,Drug" is most often a name left out; like an empty name in a config's labels, an error.
  if (names.size() != static_cast<size_t>(std::count(value.begin(), value.end(), ',')) + 1)
    throw InputError("", 0, "--labels", "a label name is empty in '" + value + "'");
  for (size_t i = 0; i < names.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (names[i] == names[j]) throw InputError("", 0, "--labels", "'" + names[i] + "' is named twice");
  return names;
}

// --unmatched-mentions VALUE (prepare, data inspect): a bad value is an input error naming the flag.
inline UnmatchedPolicy unmatched_mentions_flag(const std::string& value) {
  try {
    return parse_unmatched_policy(value);
  } catch (const std::exception& e) {
    throw InputError("", 0, "--unmatched-mentions", e.what());
  }
}

// Thrown by a command that ends without an error but with a non-zero exit code (a training run
// stopped by SIGTERM exits 143, so a job script can tell it to resume).
struct ExitCode {
  int code;
};

}  // namespace gtrain::cli
