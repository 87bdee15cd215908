#pragma once
// Runs tasks at a later time on one thread of its own: the facade's backoff before it sends a
// piece of a request again to workers whose queues were full. Tasks must be short and must not
// block; they run in time order.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <stop_token>
#include <thread>

namespace nmtd::front {

class RetryTimer {
 public:
  using Clock = std::chrono::steady_clock;

  RetryTimer();
  // Runs the tasks still waiting at once (they find the server draining and give up), then
  // stops its thread: no caller is left waiting for a task that never runs.
  ~RetryTimer();
  RetryTimer(const RetryTimer&) = delete;
  RetryTimer& operator=(const RetryTimer&) = delete;

  void at(Clock::time_point when, std::function<void()> task);
  std::size_t waiting() const;

 private:
  void run(std::stop_token stop);

  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  std::multimap<Clock::time_point, std::function<void()>> tasks_;
  std::jthread thread_;  // last: it starts once the rest is built
};

}  // namespace nmtd::front
