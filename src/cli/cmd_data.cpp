// gtrain data inspect FILE: counts, lengths, labels and span-unit coverage per mode.
#include <cstdio>

#include "cli/commands.h"
#include "data/inspect.h"
#include "data/reader.h"

namespace gtrain::cli {

void add_data_command(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "look at datasets");
  data->require_subcommand(1);
  struct Args { std::string file, format, tokenizer; int max_span_width = 8; int show_misses = 0; };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = data->add_subcommand("inspect", "counts, length histogram, labels, unit-mode coverage");
  cmd->add_option("file", a->file, "annotated input file")->required();
  cmd->add_option("--format", a->format, "gliner2|offsets|klue|conll|kbmc (default: guessed)");
  cmd->add_option("-t,--tokenizer", a->tokenizer, "tokenizer, to measure subword units and tokens");
  cmd->add_option("--max-span-width", a->max_span_width, "longest span, in units")->capture_default_str();
  cmd->add_option("--show-misses", a->show_misses, "print up to N entities each mode cannot reach");
  cmd->callback([a] {
    InputFormat fmt = a->format.empty() ? guess_input_format(a->file) : parse_input_format(a->format);
    ReadOptions opt;
    ReadResult r = read_examples(a->file, fmt, opt);
    std::unique_ptr<Tokenizer> tok;
    if (!a->tokenizer.empty()) {
      tok = open_tokenizer(a->tokenizer);
      tok->add_special_tokens(gliner2_special_tokens());
    }
    InspectReport rep = inspect_examples(r.examples, tok.get(), a->max_span_width, a->show_misses);
    std::printf("%s\n%s%s", a->file.c_str(), format_inspect_report(rep, a->max_span_width).c_str(),
                format_inspect_misses(rep).c_str());
  });
}

}  // namespace gtrain::cli
