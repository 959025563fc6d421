// gtrain: one binary, subcommands. Errors about input end the process with exit code 2 and a
// message naming file, line and field; anything else with exit code 1. Under a launcher (mpirun,
// srun) MPI is initialised first; an error on any rank then ends every rank (MPI_Abort) with a
// message naming the rank, never leaving the others waiting in a collective.
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/commands.h"
#include "io/input_error.h"
#include "dist/group.h"
#include "io/logging.h"
#ifdef GTRAIN_HAVE_TORCH
#include "model/error_message.h"
#endif

int main(int argc, char** argv) {
  gtrain::setup_logging(gtrain::launcher_rank());
  gtrain::dist::Group& world = gtrain::dist::init_world(&argc, &argv);
  // On several ranks a failure must take the whole job down, not leave the others in a collective.
  auto fail = [&](const std::string& what, int code) {
    if (world.distributed())
      gtrain::dist::abort_job("rank " + std::to_string(world.rank()) + " failed: " + what + " (ending all " +
                                  std::to_string(world.size()) + " ranks)",
                              code);
    spdlog::error("{}", what);
    return code;
  };
  CLI::App app{"gtrain: GLiNER2 span-NER training (schema-driven, Korean-first)"};
  app.require_subcommand(0, 1);
  bool version = false;
  std::string log_level = "info";
  app.add_flag("--version", version, "print gtrain's version and those of its libraries");
  // Checked: spdlog reads an unknown name as "off", which would hide the errors too.
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  gtrain::cli::add_prepare_command(app);
  gtrain::cli::add_data_command(app);
  gtrain::cli::add_tokenizer_command(app);
  gtrain::cli::add_bench_command(app);
  gtrain::cli::add_train_command(app);
  gtrain::cli::add_eval_command(app);
  gtrain::cli::add_predict_command(app);
  gtrain::cli::add_swap_encoder_command(app);
  gtrain::cli::add_export_command(app);
  gtrain::cli::add_sweep_command(app);
  gtrain::cli::add_plan_command(app);
  auto* level_opt = app.get_option("--log-level");
  app.parse_complete_callback([&, level_opt] {
    // Ranks other than 0 repeat rank 0's story: they log warnings and errors unless asked for more.
    const bool quiet_rank = world.rank() > 0 && level_opt->count() == 0;
    spdlog::set_level(spdlog::level::from_str(quiet_rank ? std::string("warn") : log_level));
  });
  try {
    app.parse(argc, argv);
    if (version) {
      std::cout << gtrain::cli::version_text();
    } else if (app.get_subcommands().empty()) {
      std::cout << app.help();
    }
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    if (rc != 0 && world.distributed()) gtrain::dist::abort_job("rank " + std::to_string(world.rank()) + ": bad command line", rc);
    gtrain::dist::finalize_world();
    return rc;
  } catch (const gtrain::cli::ExitCode& e) {
    gtrain::dist::finalize_world();
    return e.code;
  } catch (const gtrain::InputError& e) {
    return fail(e.what(), 2);
  } catch (const std::exception& e) {
#ifdef GTRAIN_HAVE_TORCH
    return fail(gtrain::error_message(e), 1);  // a torch error without its C++ stack
#else
    return fail(e.what(), 1);
#endif
  }
  gtrain::dist::finalize_world();
  return 0;
}
