// gtrain predict MODEL --labels A,B [--input FILE] [--output FILE]: text lines or JSONL in, JSONL out.
#include <sys/resource.h>

#include <cstdio>
#include <filesystem>
#include <optional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "io/input_error.h"
#include "data/reader.h"
#include "eval/metrics.h"
#include "io/atomic_file.h"
#include "infer/predictor.h"
#include "text/strings.h"
#include "text/utf8.h"

namespace gtrain::cli {

void add_predict_command(CLI::App& app) {
  struct Args {
    std::string model, labels, input = "-", output = "-";
    std::vector<std::string> descriptions;
    float threshold = -1.0f;
    int batch_size = 8;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("predict", "extract entities from text lines or JSONL");
  cmd->add_option("model", a->model, "model directory (a trained run's best/ or a GLiNER2 checkpoint)")->required();
  cmd->add_option("--labels", a->labels, "comma-separated entity types (default: the model's training labels)");
  cmd->add_option("--description", a->descriptions, "LABEL=description (repeatable; default: the training descriptions)");
  cmd->add_option("-i,--input", a->input, "text lines, or JSONL with \"text\" or \"input\" (- = stdin)")->capture_default_str();
  cmd->add_option("-o,--output", a->output, "JSONL output (- = stdout)")->capture_default_str();
  cmd->add_option("--threshold", a->threshold, "score threshold in (0, 1) (default: the dev-selected one stored with the model)")
      ->check(open_unit_interval());
  cmd->add_option("--batch-size", a->batch_size, "windows per forward pass")->capture_default_str()->check(at_least_one());
  cmd->callback([a] {
    Predictor p(a->model);
    const std::vector<std::string> names = a->labels.empty() ? std::vector<std::string>{} : label_names_flag(a->labels);
    const std::vector<SchemaField> labels = prediction_schema(p.info(), names, a->descriptions);
    // Text lines, or JSONL when the first non-blank line starts with '{'. Text lines give one
    // output line each (a blank one: no entities), so line N out answers line N in; JSONL records
    // come back as given ("id", ...) with "entities" set, and blank lines between records are skipped.
    std::unique_ptr<reader_detail::LineReader> lines =
        a->input == "-" ? std::make_unique<reader_detail::LineReader>(std::cin, "<stdin>")
                        : std::make_unique<reader_detail::LineReader>(a->input);
    const std::string& name = lines->path();
    // Texts are predicted in chunks and their lines written as each chunk is done, so memory stays
    // bounded however much input there is (a single text of any length is read whole and windowed).
    std::unique_ptr<AtomicFileWriter> file;
    if (a->output != "-") {
      // A predict killed mid-way (Ctrl-C on a large input) left OUTPUT.tmp.<pid>: removed here.
      const std::filesystem::path out(a->output);
      clean_stale_temps(out.has_parent_path() ? out.parent_path().string() : ".", out.filename().string());
      file = std::make_unique<AtomicFileWriter>(a->output);
    }
    std::vector<std::string> texts;
    std::vector<nlohmann::ordered_json> records;  // JSONL: each text's record
    size_t chunk_chars = 0, done = 0;
    auto flush = [&] {
      if (texts.empty()) return;
      auto result = p.predict(texts, labels, a->threshold, a->batch_size);
      std::string out;
      for (size_t i = 0; i < texts.size(); ++i) {
        nlohmann::json ents = nlohmann::json::array();
        for (const auto& e : result[i])
          ents.push_back({{"text", e.text}, {"label", e.label}, {"start", e.start}, {"end", e.end}, {"score", e.score}});
        // A record keeps its fields as given ("text" or "input"); its "entities", if any, become
        // the predicted ones.
        nlohmann::ordered_json rec = records.empty() ? nlohmann::ordered_json{{"text", texts[i]}} : std::move(records[i]);
        rec["entities"] = std::move(ents);
        out += rec.dump() + "\n";
      }
      if (file) {
        file->write(out);
      } else {
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fflush(stdout);
      }
      done += texts.size();
      texts.clear();
      records.clear();
      chunk_chars = 0;
    };
    std::optional<bool> jsonl;  // decided by the first non-blank line
    std::vector<std::string> leading_blanks;  // lines before it: text lines, or nothing in JSONL
    std::string line;
    while (lines->next(&line)) {
      const long ln = lines->line_no();
      const bool blank = trim(line).empty();
      if (!jsonl) {
        if (blank) {
          leading_blanks.push_back(line);
          continue;
        }
        jsonl = trim(line)[0] == '{';
        if (!*jsonl) texts = std::move(leading_blanks);
      }
      if (*jsonl) {
        if (blank) continue;
        lines->check_utf8();
        nlohmann::ordered_json j = reader_detail::parse_json_object(line, name, ln);
        const char* key = j.contains("text") ? "text" : "input";
        if (!j.contains(key) || !j[key].is_string()) throw InputError(name, ln, "text", "needs a string \"text\" or \"input\"");
        texts.push_back(j[key].get<std::string>());
        records.push_back(std::move(j));
      } else {
        texts.push_back(line);
      }
      size_t bad = 0;  // checked here, where the line number is known
      if (!utf8::valid(texts.back(), &bad))
        throw InputError(name, ln, "text", "invalid UTF-8 at byte offset " + std::to_string(bad) + " of the text");
      chunk_chars += texts.back().size();
      if (texts.size() >= 256 || chunk_chars >= (4u << 20)) flush();
    }
    if (!jsonl) throw InputError(name, 0, "", "no texts to predict (the input is empty or blank)");
    flush();
    if (file) file->commit();
    struct rusage ru {};
    ::getrusage(RUSAGE_SELF, &ru);
    spdlog::info("predicted {} texts{}; peak RSS {:.0f} MB", done, file ? " into " + a->output : std::string(),
                 static_cast<double>(ru.ru_maxrss) / 1024.0);
  });
}

}  // namespace gtrain::cli
