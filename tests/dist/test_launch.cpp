// Launcher detection from the environment (no MPI call): Open MPI, PMIx, PMI, srun tasks, and a
// plain process inside a Slurm allocation (not launched).
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <string>

#include "dist/group.h"

using gtrain::dist::detect_launch;

namespace {
const char* kVars[] = {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE",
                       "SLURM_PROCID", "SLURM_NTASKS", "SLURM_STEP_ID", "SLURM_STEP_NUM_TASKS"};

// Saves the launcher variables, clears them, restores them at the end.
struct CleanEnv {
  std::map<std::string, std::string> saved;
  CleanEnv() {
    for (const char* v : kVars) {
      if (const char* s = std::getenv(v)) saved[v] = s;
      unsetenv(v);
    }
  }
  ~CleanEnv() {
    for (const char* v : kVars) unsetenv(v);
    for (auto& [k, v] : saved) setenv(k.c_str(), v.c_str(), 1);
  }
};
}  // namespace

TEST(Launch, DetectsLaunchersFromTheEnvironment) {
  CleanEnv env;
  EXPECT_FALSE(detect_launch().launched);

  setenv("OMPI_COMM_WORLD_RANK", "3", 1);
  setenv("OMPI_COMM_WORLD_SIZE", "8", 1);
  auto li = detect_launch();
  EXPECT_TRUE(li.launched);
  EXPECT_EQ(li.rank, 3);
  EXPECT_EQ(li.world, 8);
  EXPECT_EQ(li.launcher, "openmpi");
  setenv("OMPI_COMM_WORLD_SIZE", "1", 1);
  EXPECT_FALSE(detect_launch().launched);  // mpirun -np 1: no MPI needed
  unsetenv("OMPI_COMM_WORLD_RANK");
  unsetenv("OMPI_COMM_WORLD_SIZE");

  // A plain process in an allocation (sbatch script, salloc shell) is not a task.
  setenv("SLURM_PROCID", "0", 1);
  setenv("SLURM_NTASKS", "16", 1);
  EXPECT_FALSE(detect_launch().launched);
  setenv("SLURM_STEP_ID", "2", 1);
  setenv("SLURM_STEP_NUM_TASKS", "4", 1);
  li = detect_launch();
  EXPECT_TRUE(li.launched);
  EXPECT_EQ(li.world, 4);
  EXPECT_EQ(li.launcher, "slurm");

  // srun --mpi=pmix: PMIX_RANK wins the rank; the size comes from the step.
  setenv("PMIX_RANK", "1", 1);
  li = detect_launch();
  EXPECT_EQ(li.launcher, "pmix");
  EXPECT_EQ(li.rank, 1);
  EXPECT_EQ(li.world, 4);
  for (const char* v : {"SLURM_PROCID", "SLURM_NTASKS", "SLURM_STEP_ID", "SLURM_STEP_NUM_TASKS"}) unsetenv(v);
  EXPECT_TRUE(detect_launch().launched);  // PMIx without a size: MPI will tell

  unsetenv("PMIX_RANK");
  setenv("PMI_RANK", "0", 1);
  setenv("PMI_SIZE", "2", 1);
  li = detect_launch();
  EXPECT_TRUE(li.launched);
  EXPECT_EQ(li.launcher, "pmi");
}
