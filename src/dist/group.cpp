#include "dist/group.h"

#include <unistd.h>

#include <cstdlib>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace gtrain::dist {

namespace {

int env_int(const char* name, int fallback) {
  const char* s = std::getenv(name);
  return s && *s ? std::atoi(s) : fallback;
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::Max: return MPI_MAX;
    case ReduceOp::Min: return MPI_MIN;
    default: return MPI_SUM;  // Avg: sum, then divide by the size
  }
}

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  throw std::runtime_error(std::string(what) + ": " + std::string(msg, static_cast<size_t>(len)));
}

bool g_we_initialised = false;
std::unique_ptr<Group>& world_ptr() {
  static std::unique_ptr<Group> g;
  return g;
}

}  // namespace

LaunchInfo detect_launch() {
  LaunchInfo li;
  struct Source { const char *rank, *name; };
  for (const Source& s : {Source{"OMPI_COMM_WORLD_RANK", "openmpi"}, Source{"PMIX_RANK", "pmix"},
                          Source{"PMI_RANK", "pmi"}, Source{"SLURM_PROCID", "slurm"}}) {
    if (!std::getenv(s.rank)) continue;
    li.rank = env_int(s.rank, 0);
    li.launcher = s.name;
    break;
  }
  // The size: Open MPI's and PMI's own variables, else the Slurm step's task count. Slurm sets
  // SLURM_PROCID/SLURM_NTASKS inside an allocation even for a plain process; only srun's tasks
  // have SLURM_STEP_ID, so Slurm's variables count only with it.
  const bool srun_task = std::getenv("SLURM_STEP_ID") != nullptr;
  int size = env_int("OMPI_COMM_WORLD_SIZE", 0);
  if (!size) size = env_int("PMI_SIZE", 0);
  if (!size && srun_task) size = env_int("SLURM_STEP_NUM_TASKS", env_int("SLURM_NTASKS", 0));
  if (li.launcher == "slurm" && !srun_task) li = LaunchInfo{};
  li.world = size > 0 ? size : 1;
  // PMIx without a size variable (srun --mpi=pmix of another MPI): let MPI tell.
  li.launched = li.world > 1 || (li.launcher == "pmix" && size == 0);
  return li;
}

bool mpi_running() {
  int inited = 0, finalized = 0;
  MPI_Initialized(&inited);
  MPI_Finalized(&finalized);
  return inited && !finalized;
}

Group& world() {
  if (!world_ptr()) world_ptr() = std::make_unique<Group>();
  return *world_ptr();
}

Group& init_world(int* argc, char*** argv, double timeout_s) {
  const LaunchInfo li = detect_launch();
  if (!li.launched) return world();
  int provided = 0;
  check(MPI_Init_thread(argc, argv, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
  g_we_initialised = true;
  if (provided < MPI_THREAD_SERIALIZED)
    abort_job("this MPI library provides thread level " + std::to_string(provided) +
              "; gtrain needs MPI_THREAD_SERIALIZED or higher");
  // Errors come back as return codes (turned into exceptions that end the job with a message).
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  world_ptr() = Group::from_comm(MPI_COMM_WORLD, timeout_s);
  // A launcher whose process-management interface this MPI does not speak (srun without the
  // --mpi plugin Open MPI needs) starts N processes that each come up as a world of one: each
  // would train alone, all writing one output_dir.
  if (li.world > 1 && world_ptr()->size() != li.world)
    abort_job("the launcher (" + li.launcher + ") started " + std::to_string(li.world) + " ranks but MPI joined " +
              std::to_string(world_ptr()->size()) + ": this MPI does not speak the launcher's process-management "
              "interface (under Slurm: srun --mpi=pmix, see `srun --mpi=list` and docs/distributed.md)");
  return *world_ptr();
}

void finalize_world() {
  world_ptr().reset();
  if (g_we_initialised && mpi_running()) MPI_Finalize();
}

std::unique_ptr<Group> Group::from_comm(MPI_Comm comm, double timeout_s) {
  auto g = std::make_unique<Group>();
  check(MPI_Comm_dup(comm, &g->comm_), "MPI_Comm_dup");
  MPI_Comm_set_errhandler(g->comm_, MPI_ERRORS_RETURN);
  MPI_Comm_rank(g->comm_, &g->rank_);
  MPI_Comm_size(g->comm_, &g->size_);
  MPI_Comm local;
  check(MPI_Comm_split_type(g->comm_, MPI_COMM_TYPE_SHARED, g->rank_, MPI_INFO_NULL, &local), "MPI_Comm_split_type");
  MPI_Comm_rank(local, &g->local_rank_);
  MPI_Comm_size(local, &g->local_size_);
  MPI_Comm_free(&local);
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  g->host_ = host;
  g->timeout_s_ = timeout_s;
  g->thread_ = std::make_unique<CommThread>(g->rank_, timeout_s);
  return g;
}

Group::~Group() {
  thread_.reset();  // drains the queue first
  if (comm_ != MPI_COMM_NULL && mpi_running()) MPI_Comm_free(&comm_);
}

void Group::set_timeout_s(double t) {
  timeout_s_ = t;
  if (thread_) thread_->set_timeout_s(t);
}

void Group::allreduce(double* v, int n, ReduceOp op, const char* what) {
  if (!distributed() || n == 0) return;
  thread_->run(what, [=] { check(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, mpi_op(op), comm_), what); });
  if (op == ReduceOp::Avg)
    for (int i = 0; i < n; ++i) v[i] /= size_;
}

void Group::allreduce(int64_t* v, int n, ReduceOp op, const char* what) {
  if (!distributed() || n == 0) return;
  if (op == ReduceOp::Avg) throw std::invalid_argument("Group::allreduce: no average of integers");
  thread_->run(what, [=] { check(MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_INT64_T, mpi_op(op), comm_), what); });
}

void Group::broadcast(std::string& bytes, int root, const char* what) {
  if (!distributed()) return;
  thread_->run(what, [&, root] {
    int64_t n = static_cast<int64_t>(bytes.size());
    check(MPI_Bcast(&n, 1, MPI_INT64_T, root, comm_), what);
    bytes.resize(static_cast<size_t>(n));
    if (n) check(MPI_Bcast(bytes.data(), static_cast<int>(n), MPI_BYTE, root, comm_), what);
  });
}

std::vector<std::string> Group::allgather(const std::string& bytes, const char* what) {
  if (!distributed()) return {bytes};
  std::vector<std::string> out(static_cast<size_t>(size_));
  thread_->run(what, [&] {
    int n = static_cast<int>(bytes.size());
    std::vector<int> counts(static_cast<size_t>(size_)), displs(static_cast<size_t>(size_));
    check(MPI_Allgather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_), what);
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      displs[static_cast<size_t>(r)] = total;
      total += counts[static_cast<size_t>(r)];
    }
    std::string all(static_cast<size_t>(total), '\0');
    check(MPI_Allgatherv(bytes.data(), n, MPI_BYTE, all.data(), counts.data(), displs.data(), MPI_BYTE, comm_), what);
    for (int r = 0; r < size_; ++r)
      out[static_cast<size_t>(r)] = all.substr(static_cast<size_t>(displs[static_cast<size_t>(r)]),
                                               static_cast<size_t>(counts[static_cast<size_t>(r)]));
  });
  return out;
}

void Group::barrier(const char* what) {
  if (!distributed()) return;
  thread_->run(what, [=] { check(MPI_Barrier(comm_), what); });
}

std::unique_ptr<Group> Group::split(int color, int key) const {
  if (!distributed()) {
    auto g = std::make_unique<Group>();
    g->timeout_s_ = timeout_s_;
    return g;
  }
  MPI_Comm sub = MPI_COMM_NULL;
  thread_->run("MPI_Comm_split", [&] { check(MPI_Comm_split(comm_, color, key, &sub), "MPI_Comm_split"); });
  std::unique_ptr<Group> g;
  int n = 1;
  MPI_Comm_size(sub, &n);
  if (n == 1) {  // a one-rank group needs no MPI in its hot path
    g = std::make_unique<Group>();
    g->timeout_s_ = timeout_s_;
    g->host_ = host_;
  } else {
    g = from_comm(sub, timeout_s_);
  }
  MPI_Comm_free(&sub);
  // Node-local rank and size stay those of this (parent) group: they pick the GPU and share the
  // node's cores among all the processes on the node, whatever group each trains in.
  g->local_rank_ = local_rank_;
  g->local_size_ = local_size_;
  return g;
}

}  // namespace gtrain::dist
