// gtrain: one binary, subcommands. Errors about input end the process with exit code 2 and a
// message naming file, line and field; anything else with exit code 1.
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.h"
#include "data/input_error.h"
#include "io/logging.h"

int main(int argc, char** argv) {
  gtrain::setup_logging(gtrain::launcher_rank());
  CLI::App app{"gtrain: GLiNER2 span-NER training (schema-driven, Korean-first)"};
  app.require_subcommand(0, 1);
  bool version = false;
  std::string log_level = "info";
  app.add_flag("--version", version, "print gtrain's version and those of its libraries");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  gtrain::cli::add_prepare_command(app);
  gtrain::cli::add_data_command(app);
  gtrain::cli::add_tokenizer_command(app);
  gtrain::cli::add_bench_command(app);
  gtrain::cli::add_train_command(app);
  gtrain::cli::add_eval_command(app);
  gtrain::cli::add_predict_command(app);
  gtrain::cli::add_swap_encoder_command(app);
  gtrain::cli::add_export_command(app);
  app.parse_complete_callback([&] { spdlog::set_level(spdlog::level::from_str(log_level)); });
  try {
    app.parse(argc, argv);
    if (version) {
      std::cout << gtrain::cli::version_text();
      return 0;
    }
    if (app.get_subcommands().empty()) {
      std::cout << app.help();
      return 0;
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const gtrain::InputError& e) {
    spdlog::error("{}", e.what());
    return 2;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  return 0;
}
