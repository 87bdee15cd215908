#pragma once
// The worker's one request queue: bounded in texts, all-or-nothing admission (a call is never
// half queued), and the batching window. gRPC threads push and never wait; the batcher takes.
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stop_token>
#include <vector>

#include "worker/pending_call.h"
#include "worker/worker_config.h"

namespace nmtd::worker {

class AdmissionQueue {
 public:
  explicit AdmissionQueue(int capacity_texts) : capacity_(capacity_texts) {}

  enum class PushResult { kQueued, kFull, kClosed };
  // Queues all of `jobs` or none. When full, jobs of calls that can no longer be answered
  // (completed, cancelled, expired) are cleared first and returned in `dead` for the caller to
  // fail outside the lock: a dead call must not keep a live one out.
  PushResult push(std::vector<TextJob>& jobs, std::vector<TextJob>& dead);

  struct Taken {
    std::vector<TextJob> batch;  // one batch key, at most max_batch_texts / max_batch_tokens
    std::vector<TextJob> dead;   // cancelled or expired before reaching the engine
  };
  // Blocks until there is work, then waits up to max_wait after the oldest text arrived for a
  // fuller batch. Returns nullopt once stop is requested, or closed and empty.
  std::optional<Taken> take(const Batching& batching, std::stop_token stop);

  // Between decoder steps, without waiting: up to max_texts queued texts that `joins` accepts,
  // oldest first, their source tokens within max_tokens. Only while the oldest queued text is
  // one of them, so a running decode cannot starve texts it cannot take.
  // With rows_of, the texts taken also hold at most max_rows rows between them (a decode
  // session's free rows, texts of different beam sizes holding different rows).
  Taken take_joining(const std::function<bool(const TextJob&)>& joins, int max_texts,
                     int max_tokens, const std::function<int64_t(const TextJob&)>& rows_of = {},
                     int64_t max_rows = 0);

  void close();  // refuses pushes from now on; take() drains what is left
  std::vector<TextJob> close_and_take_all();
  int depth() const;
  double queued_work() const;  // the queued texts' TextJob::work, summed
  int capacity() const { return capacity_; }

 private:
  static bool is_dead(const TextJob& job, Clock::time_point now);
  void remove_dead_locked(std::vector<TextJob>& dead, Clock::time_point now);
  void recount_work_locked();

  const int capacity_;
  mutable std::mutex mutex_;
  std::condition_variable_any ready_;
  std::deque<TextJob> jobs_;
  double queued_work_ = 0;
  bool closed_ = false;
};

}  // namespace nmtd::worker
