#include "dist/comm_thread.h"

#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <spdlog/spdlog.h>

namespace gtrain::dist {

void abort_job(const std::string& why, int code) {
  spdlog::critical("{}", why);
  spdlog::default_logger()->flush();
  std::fflush(stdout);
  std::fflush(stderr);
  int inited = 0, finalized = 0;
  MPI_Initialized(&inited);
  MPI_Finalized(&finalized);
  if (inited && !finalized) MPI_Abort(MPI_COMM_WORLD, code);  // the launcher ends the other ranks
  ::_exit(code);
}

bool CommJob::done() const {
  std::lock_guard<std::mutex> l(m_);
  return done_;
}

void CommJob::wait() {
  std::unique_lock<std::mutex> l(m_);
  if (timeout_s_ > 0) {
    const auto deadline = submitted_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                           std::chrono::duration<double>(timeout_s_));
    if (!cv_.wait_until(l, deadline, [&] { return done_; }))
      abort_job("rank " + std::to_string(rank_) + ": " + what_ + " did not finish within " +
                std::to_string(static_cast<int>(timeout_s_)) +
                " s (comm.timeout_s): a peer rank is stuck or dead; ending the job");
  } else {
    cv_.wait(l, [&] { return done_; });
  }
  if (error_) std::rethrow_exception(error_);
}

CommThread::CommThread(int rank, double timeout_s) : rank_(rank), timeout_s_(timeout_s) {
  thread_ = std::thread([this] { loop(); });
}

CommThread::~CommThread() {
  {
    std::lock_guard<std::mutex> l(m_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::shared_ptr<CommJob> CommThread::submit(std::string what, std::function<void()> fn) {
  auto job = std::make_shared<CommJob>();
  job->what_ = std::move(what);
  job->fn_ = std::move(fn);
  job->timeout_s_ = timeout_s_;
  job->rank_ = rank_;
  job->submitted_ = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> l(m_);
    queue_.push_back(job);
  }
  cv_.notify_one();
  return job;
}

void CommThread::loop() {
  for (;;) {
    std::shared_ptr<CommJob> job;
    {
      std::unique_lock<std::mutex> l(m_);
      cv_.wait(l, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stop_ and nothing left
      job = queue_.front();
      queue_.pop_front();
    }
    const auto t0 = std::chrono::steady_clock::now();
    std::exception_ptr err;
    try {
      job->fn_();
    } catch (...) {
      err = std::current_exception();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    {
      std::lock_guard<std::mutex> l(job->m_);
      job->seconds_ = s;
      job->error_ = err;
      job->done_ = true;
      job->fn_ = nullptr;
    }
    job->cv_.notify_all();
  }
}

}  // namespace gtrain::dist
