// One thread that runs a process group's MPI calls in order, with a watchdog on every wait.
//
// Why a thread: MPI's non-blocking collectives only progress inside MPI calls, so an
// MPI_Iallreduce started during backward would mostly run at the final MPI_Wait. A thread doing
// blocking calls progresses them while the main thread computes. Why one per group: MPI requires
// every rank to issue a communicator's collectives in the same order, and a FIFO keeps the order
// in which the caller submitted them.
//
// Every wait is bounded: a job that has not finished after the group's timeout means a peer is
// stuck or dead, and the whole job is ended (abort_job) with a message naming the rank and the
// operation, instead of hanging.
#pragma once
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace gtrain::dist {

// Ends every rank of the job: logs `why`, then MPI_Abort (or _exit when MPI is not running).
[[noreturn]] void abort_job(const std::string& why, int code = 1);

class CommJob {
 public:
  // Blocks until the job ran; rethrows its exception. Past timeout_s (> 0) the job is ended.
  void wait();
  bool done() const;
  double seconds() const { return seconds_; }  // time the job itself ran (on the comm thread)

 private:
  friend class CommThread;
  std::string what_;
  std::function<void()> fn_;
  double timeout_s_ = 0;
  int rank_ = 0;
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false;
  std::exception_ptr error_;
  double seconds_ = 0;
  std::chrono::steady_clock::time_point submitted_;
};

class CommThread {
 public:
  CommThread(int rank, double timeout_s);
  ~CommThread();  // runs the queued jobs, then joins
  CommThread(const CommThread&) = delete;
  CommThread& operator=(const CommThread&) = delete;

  // Queues fn; `what` names the operation in timeout messages ("all-reduce of 4.0 MB").
  std::shared_ptr<CommJob> submit(std::string what, std::function<void()> fn);
  // submit + wait.
  void run(std::string what, std::function<void()> fn) { submit(std::move(what), std::move(fn))->wait(); }
  double timeout_s() const { return timeout_s_; }
  void set_timeout_s(double t) { timeout_s_ = t; }

 private:
  void loop();
  int rank_;
  double timeout_s_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<CommJob>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace gtrain::dist
