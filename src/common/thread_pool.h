#pragma once
// A fixed set of compute threads for data-parallel loops. The calling thread takes part,
// so a pool of N threads starts N-1 workers. Workers spin briefly before sleeping because
// a decode step issues dozens of short loops and a futex wake per loop would cost more
// than the work. Owned by whoever creates it; joined in the destructor.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "common/function_ref.h"

namespace nmtd {

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return num_threads_; }

  // Runs fn(begin, end) over [0, n) split into contiguous chunks, one per thread, each a
  // multiple of `grain` (except the last). Returns when all chunks are done. The first
  // exception thrown by a chunk is rethrown here. Not reentrant: calls are serialised.
  // fn is only referenced, never copied: a parallel loop allocates nothing.
  void parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t, int64_t)> fn);

 private:
  void worker_loop(int index);
  void stop_workers();
  void run_chunk(int index);

  int num_threads_;
  std::vector<std::jthread> workers_;
  std::mutex call_mutex_;  // one parallel_for at a time
  std::mutex wake_mutex_;
  std::condition_variable wake_cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stop_{false};
  const FunctionRef<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t job_n_ = 0;
  int64_t job_grain_ = 1;
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace nmtd
