// A process group: the ranks that train one model together, and the small host-side collectives
// the trainer needs (loss and stop-flag sums, evaluation counts, strings). Torch-free.
//
// A process started by mpirun or srun initialises MPI (init_world) and gets a group over all
// ranks; a plain process gets a single-rank group that makes no MPI call at all. Sweeps split the
// world into trial groups (split). Tensor collectives (gradients) live in dist/communicator.h and
// run on this group's communication thread (MPI backend) or on NCCL.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dist/comm_thread.h"

namespace gtrain::dist {

enum class ReduceOp { Sum, Avg, Max, Min };

// What the launcher says about this process, read from the environment (no MPI call):
// Open MPI (OMPI_COMM_WORLD_*), PMIx (PMIX_RANK), MPICH/Hydra (PMI_RANK/PMI_SIZE), Slurm srun
// (SLURM_PROCID/SLURM_NTASKS).
struct LaunchInfo {
  bool launched = false;  // started by a launcher with more than one rank
  int rank = 0, world = 1;
  std::string launcher;   // "openmpi", "pmix", "pmi", "slurm" or "" (plain process)
};
LaunchInfo detect_launch();

class Group {
 public:
  // Single rank, no MPI.
  Group() = default;
  ~Group();
  Group(const Group&) = delete;
  Group& operator=(const Group&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  // Rank among the processes on this node, and their number (for a split group: those of the
  // group it was split from, so trial groups pick distinct GPUs).
  int local_rank() const { return local_rank_; }
  int local_size() const { return local_size_; }
  bool distributed() const { return size_ > 1; }
  const std::string& host() const { return host_; }
  // The MPI communicator (MPI_COMM_NULL for a single-rank group without MPI).
  MPI_Comm comm() const { return comm_; }
  // The thread that runs this group's MPI calls (nullptr when single).
  CommThread* thread() const { return thread_.get(); }
  double timeout_s() const { return timeout_s_; }
  void set_timeout_s(double t);

  // Host collectives; each is bounded by timeout_s (then the job ends, see comm_thread.h).
  // `what` names the operation in that message.
  void allreduce(double* v, int n, ReduceOp op, const char* what);
  void allreduce(int64_t* v, int n, ReduceOp op, const char* what);
  void allreduce(std::vector<double>& v, ReduceOp op, const char* what) {
    allreduce(v.data(), static_cast<int>(v.size()), op, what);
  }
  void allreduce(std::vector<int64_t>& v, ReduceOp op, const char* what) {
    allreduce(v.data(), static_cast<int>(v.size()), op, what);
  }
  void broadcast(std::string& bytes, int root, const char* what);
  std::vector<std::string> allgather(const std::string& bytes, const char* what);
  void barrier(const char* what);

  // MPI_Comm_split of this group: ranks with the same color form a new group, ordered by key.
  std::unique_ptr<Group> split(int color, int key) const;

  // Wraps an MPI communicator (takes ownership of a dup of it).
  static std::unique_ptr<Group> from_comm(MPI_Comm comm, double timeout_s);

 private:
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  std::string host_;
  MPI_Comm comm_ = MPI_COMM_NULL;
  double timeout_s_ = 300;
  std::unique_ptr<CommThread> thread_;
};

// Initialises MPI when the process was launched with more than one rank (MPI_THREAD_MULTIPLE
// requested, at least SERIALIZED required: all MPI calls then run on comm threads) and makes the
// world group; otherwise a single-rank group. Call once, before any other dist call.
Group& init_world(int* argc, char*** argv, double timeout_s = 300);
// The group init_world made (a single-rank group when it was not called).
Group& world();
// Destroys the world group, then MPI_Finalize when init_world initialised MPI.
void finalize_world();
bool mpi_running();

}  // namespace gtrain::dist
