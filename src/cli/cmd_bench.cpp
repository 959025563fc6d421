// gtrain bench prepare: throughput of `prepare` (read + split + tokenize + align + write HDF5).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "cli/commands.h"
#include "data/prepare.h"

namespace gtrain::cli {

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "measure gtrain's own speed");
  bench->require_subcommand(1);
  struct Args { std::string input, tokenizer, mode = "morph"; int repeat = 3; };
  auto a = std::make_shared<Args>();
  CLI::App* prep = bench->add_subcommand("prepare", "prepare throughput (sentences/s, one thread)");
  prep->add_option("-i,--input", a->input, "annotated input PATH[:FORMAT]")->required();
  prep->add_option("-t,--tokenizer", a->tokenizer, "tokenizer")->required();
  prep->add_option("--unit-mode", a->mode, "unit mode")->capture_default_str();
  prep->add_option("--repeat", a->repeat, "runs (median reported)")->capture_default_str();
  prep->callback([a] {
    namespace fs = std::filesystem;
    PrepareConfig c;
    PrepareInput in;
    in.path = a->input;
    if (auto colon = a->input.rfind(':'); colon != std::string::npos && a->input.find('/', colon) == std::string::npos) {
      in.path = a->input.substr(0, colon);
      in.format = a->input.substr(colon + 1);
    }
    c.inputs.push_back(in);
    c.tokenizer = a->tokenizer;
    c.unit_mode = parse_unit_mode(a->mode);
    c.output_dir = (fs::temp_directory_path() / ("gtrain-bench-" + std::to_string(getpid()))).string();
    std::vector<double> rates;
    for (int r = 0; r < a->repeat; ++r) {
      PrepareReport rep = prepare(c);
      rates.push_back(rep.examples / rep.seconds);
      std::printf("run %d: %lld sentences in %.3f s = %.0f sentences/s\n", r + 1, (long long)rep.examples,
                  rep.seconds, rates.back());
    }
    fs::remove_all(c.output_dir);
    std::sort(rates.begin(), rates.end());
    std::printf("median: %.0f sentences/s (unit mode %s, 1 thread)\ncommand: gtrain bench prepare -i %s -t %s --unit-mode %s --repeat %d\n",
                rates[rates.size() / 2], a->mode.c_str(), a->input.c_str(), a->tokenizer.c_str(), a->mode.c_str(), a->repeat);
  });
}

}  // namespace gtrain::cli
