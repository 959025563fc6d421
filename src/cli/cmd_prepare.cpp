// gtrain prepare [CONFIG] [flags]: flags override the config file's values.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "cli/commands.h"
#include "config/prepare_config.h"
#include "data/inspect.h"
#include "io/input_error.h"

namespace gtrain::cli {

namespace {
struct PrepareArgs {
  std::string config;
  std::vector<std::string> inputs;  // PATH[:FORMAT]
  std::string tokenizer, unit_mode, output, on_error, labels, unmatched;
  int max_length = 0, max_span_width = 0;
  double dev = -1, test = -1;
};

void print_report(const PrepareReport& r) {
  for (size_t i = 0; i < r.formats.size(); ++i) std::printf("input %zu format: %s\n", i + 1, r.formats[i].c_str());
  std::printf("%s", format_mention_report(r.mentions).c_str());
  std::printf("%-6s %8s %8s %9s %9s %9s %9s %9s %9s %s\n", "split", "examples", "rows", "windowed",
              "entities", "spans", "unaligned", "too-wide", "cut", "file");
  for (const auto& s : r.splits)
    std::printf("%-6s %8lld %8lld %9lld %9lld %9lld %9lld %9lld %9lld %s\n", s.split.c_str(),
                (long long)s.examples, (long long)s.rows, (long long)s.windowed, (long long)s.entities,
                (long long)s.spans, (long long)s.unaligned, (long long)s.too_wide,
                (long long)s.truncated_entities, s.path.c_str());
  for (const auto& s : r.splits)
    if (s.nested || s.crossing || s.same_span)
      std::printf("%s: overlapping entities kept: %lld nested, %lld crossing, %lld sharing a span with another label\n",
                  s.split.c_str(), (long long)s.nested, (long long)s.crossing, (long long)s.same_span);
  if (r.trimmed_entities) std::printf("entities with surrounding spaces trimmed: %lld\n", (long long)r.trimmed_entities);
  if (r.rejects || r.dropped_mentions)
    std::printf("rejected records: %lld, dropped mentions: %lld (each listed in %s)\n", (long long)r.rejects,
                (long long)r.dropped_mentions, r.rejects_path.c_str());
  std::printf("prepared %lld examples in %.3f s (%.0f examples/s)\n", (long long)r.examples, r.seconds,
              r.seconds > 0 ? r.examples / r.seconds : 0.0);
}
}  // namespace

void add_prepare_command(CLI::App& app) {
  auto args = std::make_shared<PrepareArgs>();
  CLI::App* cmd = app.add_subcommand("prepare", "tokenize annotated data into HDF5 (one file per split)");
  cmd->add_option("config", args->config, "prepare config (YAML); see docs/data-format.md");
  cmd->add_option("-i,--input", args->inputs, "input file PATH[:FORMAT] (gliner2|offsets|klue|conll|kbmc); repeatable");
  cmd->add_option("-t,--tokenizer", args->tokenizer, "spm .model, tokenizer.json, vocab.txt or a model directory");
  cmd->add_option("--unit-mode", args->unit_mode, "word | subword | morph | char");
  cmd->add_option("--max-length", args->max_length, "text tokens per example; longer texts are windowed");
  cmd->add_option("--max-span-width", args->max_span_width, "longest entity, in units");
  cmd->add_option("--labels", args->labels, "comma-separated label set (default: labels found in the data)");
  cmd->add_option("--dev", args->dev, "fraction of examples for the dev split");
  cmd->add_option("--test", args->test, "fraction of examples for the test split");
  cmd->add_option("-o,--output", args->output, "output directory");
  cmd->add_option("--on-error", args->on_error, "fail (default) | skip: skip bad examples into rejects.jsonl");
  cmd->add_option("--unmatched-mentions", args->unmatched,
                  "GLiNER2 mentions not in their text: drop (default) | drop_label | reject | fail");
  cmd->callback([args] {
    PrepareConfig c;
    if (!args->config.empty()) c = load_prepare_config(args->config);
    for (const std::string& spec : args->inputs) c.inputs.push_back(input_from_spec(spec));
    if (!args->tokenizer.empty()) c.tokenizer = args->tokenizer;
    if (!args->unit_mode.empty()) c.unit_mode = parse_unit_mode(args->unit_mode);
    if (args->max_length > 0) c.max_length = args->max_length;
    if (args->max_span_width > 0) c.max_span_width = args->max_span_width;
    if (!args->output.empty()) c.output_dir = args->output;
    if (args->dev >= 0) c.dev_fraction = args->dev;
    if (args->test >= 0) c.test_fraction = args->test;
    if (!args->on_error.empty()) {
      if (args->on_error != "fail" && args->on_error != "skip")
        throw InputError("", 0, "--on-error", "must be 'fail' or 'skip'");
      c.on_error = args->on_error == "skip" ? OnError::Skip : OnError::Fail;
    }
    if (!args->unmatched.empty()) c.unmatched = unmatched_mentions_flag(args->unmatched);
    if (!args->labels.empty()) {
      c.labels.clear();
      for (const std::string& name : label_names_flag(args->labels)) c.labels.push_back(SchemaLabel{name, ""});
    }
    print_report(prepare(c));
  });
}

}  // namespace gtrain::cli
