// gtrain eval MODEL DATA: entity-level P/R/F1 per label over a threshold sweep. DATA is a prepared
// HDF5 split, or an annotated file (any reader format) prepared on the fly with the model's
// tokenizer and unit mode.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "io/atomic_file.h"
#include "data/hdf5_store.h"
#include "data/prepare.h"
#include "infer/predictor.h"

namespace fs = std::filesystem;

namespace gtrain::cli {

namespace {

// Every label an annotated file names, in its records' schemas or its entities.
std::vector<std::string> labels_in_file(const PrepareInput& in) {
  const InputFormat fmt = in.format.empty() ? guess_input_format(in.path) : parse_input_format(in.format);
  std::vector<std::string> labels;
  auto add = [&](const std::string& l) {
    if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
  };
  for (const Example& ex : read_examples(in.path, fmt, ReadOptions{}).examples) {
    for (const SchemaLabel& s : ex.schema) add(s.name);
    for (const Entity& e : ex.entities) add(e.label);
  }
  return labels;
}

// A model is scored on the labels it was trained on; the data's others are said, not dropped silently.
void warn_unscored_labels(const std::string& data, const std::string& h5, const std::vector<std::string>& model_labels) {
  if (model_labels.empty()) return;  // a model that stores no labels is prompted with the data's
  std::string others;
  const PreparedReader reader(h5);
  for (const std::string& l : reader.meta().labels)
    if (std::find(model_labels.begin(), model_labels.end(), l) == model_labels.end())
      others += (others.empty() ? "" : ", ") + l;
  if (!others.empty())
    spdlog::warn("{}: not scored, the model was not trained on these labels: {}", data, others);
}

}  // namespace

void add_eval_command(CLI::App& app) {
  struct Args {
    std::string model, data, format, output;
    std::vector<float> thresholds = ThresholdSweep::default_thresholds();
    int batch_size = 16;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("eval", "score a model on labelled data (threshold sweep, per-label P/R/F1)");
  cmd->add_option("model", a->model, "model directory (a run's best/ or a GLiNER2 checkpoint)")->required();
  cmd->add_option("data", a->data, "prepared .h5 split, or an annotated file")->required();
  cmd->add_option("--format", a->format, "format of an annotated file (default: guessed)");
  cmd->add_option("--thresholds", a->thresholds, "thresholds to sweep, each in (0, 1)")->delimiter(',')->check(open_unit_interval());
  cmd->add_option("-o,--output", a->output, "write eval_report.json and eval_report.md into this directory");
  cmd->add_option("--batch-size", a->batch_size, "rows per forward pass")->capture_default_str()->check(at_least_one());
  cmd->callback([a] {
    Predictor p(a->model);
    std::string h5 = a->data;
    struct Cleanup {  // the folder an annotated file is prepared into, removed however eval ends
      fs::path d;
      ~Cleanup() {
        std::error_code ec;
        if (!d.empty()) fs::remove_all(d, ec);
      }
    } cleanup;
    if (fs::path(a->data).extension() != ".h5") {
      const fs::path tmp = fs::temp_directory_path() / ("gtrain-eval-" + std::to_string(::getpid()));
      cleanup.d = tmp;
      PrepareConfig pc;
      PrepareInput in;
      in.path = a->data;
      in.format = a->format;
      in.split = "eval";
      pc.inputs.push_back(in);
      pc.tokenizer = a->model;
      pc.unit_mode = p.info().unit_mode;
      pc.max_span_width = p.info().max_span_width;  // rows, spans and windows as the model was trained on
      pc.window_stride = p.info().window_stride;
      std::vector<SchemaField> schema;
      for (size_t i = 0; i < p.info().labels.size(); ++i) {
        pc.labels.push_back(SchemaLabel{p.info().labels[i], p.info().descriptions[i]});
        schema.push_back(SchemaField{p.info().labels[i], p.info().descriptions[i]});
      }
      // The file's other labels are prepared too, after the model's, so their records read; they are
      // then not scored (the .h5 rule below).
      if (!pc.labels.empty())
        for (const std::string& l : labels_in_file(in))
          if (std::find(p.info().labels.begin(), p.info().labels.end(), l) == p.info().labels.end())
            pc.labels.push_back(SchemaLabel{l, ""});
      // Windows as long as the model's, unless its encoder's positions cannot hold them beside the
      // prompt (predict's rule). A model that stores no labels is prompted with the file's, known
      // once prepared: prepared again, shorter, when they do not fit.
      pc.max_length = schema.empty() ? p.info().max_length : p.max_text_tokens(schema);
      pc.output_dir = tmp.string();
      h5 = (tmp / "eval.h5").string();
      prepare(pc);
      if (schema.empty()) {
        int fits = 0;
        {
          PreparedReader r(h5);
          for (size_t i = 0; i < r.meta().labels.size(); ++i)
            schema.push_back(SchemaField{r.meta().labels[i], r.meta().label_descriptions[i]});
          fits = p.max_text_tokens(schema);
        }
        if (fits < pc.max_length) {
          pc.max_length = fits;
          fs::remove_all(tmp);
          prepare(pc);
        }
      }
    }
    warn_unscored_labels(a->data, h5, p.info().labels);
    // --thresholds in any order, repeats allowed: the sweep wants them increasing.
    std::sort(a->thresholds.begin(), a->thresholds.end());
    a->thresholds.erase(std::unique(a->thresholds.begin(), a->thresholds.end()), a->thresholds.end());
    // The threshold the model ships with (its dev-selected one, or GLiNER2's 0.5) is always scored:
    // the sweep's best is chosen on the data being evaluated, so it is not a fair headline.
    const float own = p.info().threshold;
    const ThresholdSweep sweep = p.evaluate(h5, ThresholdSweep::with_threshold(a->thresholds, own), a->batch_size);
    std::printf("%s\n", text_report(sweep).c_str());
    std::printf("micro-F1 at the model's own threshold %.2f: %.4f\n", own, sweep.scores(sweep.index_of(own)).micro.f1);
    if (!a->output.empty()) {
      fs::create_directories(a->output);
      write_eval_report((fs::path(a->output) / "eval_report.json").string(), sweep,
                        {{"model", a->model}, {"data", a->data}, {"model_threshold", own}});
      write_text_file_atomic((fs::path(a->output) / "eval_report.md").string(), markdown_report(sweep));
      spdlog::info("wrote {}/eval_report.{{json,md}}", a->output);
    }
  });
}

}  // namespace gtrain::cli
