// gtrain data inspect FILE: counts, lengths, labels and span-unit coverage per mode.
#include <cstdio>

#include "cli/commands.h"
#include "data/inspect.h"
#include "io/input_error.h"
#include "data/reader.h"

namespace gtrain::cli {

void add_data_command(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "look at datasets");
  data->require_subcommand(1);
  struct Args { std::string file, format, tokenizer, unmatched; int max_span_width = 8; int show_misses = 0; };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = data->add_subcommand("inspect", "counts, length histogram, labels, unit-mode coverage");
  cmd->add_option("file", a->file, "annotated input file")->required();
  cmd->add_option("--format", a->format, "gliner2|offsets|klue|conll|kbmc (default: guessed)");
  cmd->add_option("-t,--tokenizer", a->tokenizer, "tokenizer, to measure subword units and tokens");
  cmd->add_option("--max-span-width", a->max_span_width, "longest span, in units")->capture_default_str()->check(at_least_one());
  cmd->add_option("--show-misses", a->show_misses, "print up to N entities each mode cannot reach");
  cmd->add_option("--unmatched-mentions", a->unmatched, "drop (default) | drop_label | reject | fail");
  cmd->callback([a] {
    InputFormat fmt = a->format.empty() ? guess_input_format(a->file) : parse_input_format(a->format);
    std::printf("format: %s%s\n", input_format_name(fmt).c_str(), a->format.empty() ? " (guessed)" : "");
    ReadOptions opt;
    opt.on_error = OnError::Skip;  // inspect shows what is wrong instead of stopping at it
    if (!a->unmatched.empty()) opt.unmatched = unmatched_mentions_flag(a->unmatched);
    ReadResult r = read_examples(a->file, fmt, opt);
    std::printf("%s", format_mention_report(r.mentions).c_str());
    std::printf("%s", format_read_warnings(r.warnings).c_str());
    if (!r.rejects.empty()) {
      std::printf("rejected records: %zu (first: %s: %s)\n", r.rejects.size(), r.rejects[0].origin.c_str(),
                  r.rejects[0].reason.c_str());
    }
    for (size_t i = 0; i < r.dropped_mentions.size() && i < 5; ++i)
      std::printf("  dropped %s %s \"%s\": %s\n", r.dropped_mentions[i].origin.c_str(),
                  r.dropped_mentions[i].label.c_str(), r.dropped_mentions[i].mention.c_str(),
                  r.dropped_mentions[i].reason.c_str());
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
