#include "common/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/error.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace nmtd {

namespace {
void cpu_relax() {
#if defined(__x86_64__)
  _mm_pause();
#endif
}
}  // namespace

ThreadPool::ThreadPool(int num_threads) : num_threads_(std::max(1, num_threads)) {
  try {
    for (int i = 1; i < num_threads_; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
  } catch (...) {
    // A thread could not be started (e.g. a pids limit): release the ones that were, or
    // their join in ~jthread would wait forever.
    stop_workers();
    throw;
  }
}

void ThreadPool::stop_workers() {
  {
    std::lock_guard lock(wake_mutex_);
    stop_.store(true);
    generation_.fetch_add(1);
  }
  wake_cv_.notify_all();
  workers_.clear();  // jthread joins
}

ThreadPool::~ThreadPool() { stop_workers(); }

void ThreadPool::run_chunk(int index) {
  const int64_t chunks = num_threads_;
  const int64_t units = (job_n_ + job_grain_ - 1) / job_grain_;
  const int64_t per = (units + chunks - 1) / chunks;
  const int64_t begin = std::min(job_n_, index * per * job_grain_);
  const int64_t end = std::min(job_n_, (index + 1) * per * job_grain_);
  if (begin >= end) return;
  try {
    (*job_)(begin, end);
  } catch (...) {
    std::lock_guard lock(error_mutex_);
    if (!error_) error_ = std::current_exception();
  }
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    // Spin for a short while: the next loop of the same decode step usually comes within µs.
    const auto spin_until = std::chrono::steady_clock::now() + std::chrono::microseconds(200);
    while (generation_.load(std::memory_order_acquire) == seen &&
           std::chrono::steady_clock::now() < spin_until) {
      for (int i = 0; i < 64; ++i) cpu_relax();
    }
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock lock(wake_mutex_);
      wake_cv_.wait(lock, [&] { return generation_.load() != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stop_.load()) return;
    run_chunk(index);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
  }
}

void ThreadPool::parallel_for(int64_t n, int64_t grain, FunctionRef<void(int64_t, int64_t)> fn) {
  if (n <= 0) return;
  grain = std::max<int64_t>(1, grain);
  if (num_threads_ == 1 || n <= grain) {
    fn(0, n);
    return;
  }
  std::lock_guard call_lock(call_mutex_);
  job_ = &fn;
  job_n_ = n;
  job_grain_ = grain;
  error_ = nullptr;
  pending_.store(num_threads_ - 1, std::memory_order_release);
  {
    std::lock_guard lock(wake_mutex_);
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }
  wake_cv_.notify_all();
  run_chunk(0);
  while (pending_.load(std::memory_order_acquire) != 0) cpu_relax();
  job_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace nmtd
