// spdlog set-up: every line carries the rank, so interleaved multi-rank logs stay readable.
#pragma once
#include <string>

namespace gtrain {

// Rank as the launcher reports it (Open MPI, PMI/PMIx, Slurm), before MPI is initialised; 0 alone.
int launcher_rank();

// Installs the default logger: "[time] [rank R] [level] message". level: trace..critical.
void setup_logging(int rank, const std::string& level = "info");

}  // namespace gtrain
