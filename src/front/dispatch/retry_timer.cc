#include "front/dispatch/retry_timer.h"

#include <vector>

namespace nmtd::front {

RetryTimer::RetryTimer() : thread_([this](std::stop_token stop) { run(stop); }) {}

RetryTimer::~RetryTimer() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
  std::multimap<Clock::time_point, std::function<void()>> left;
  {
    std::lock_guard lock(mutex_);
    left.swap(tasks_);
  }
  for (auto& [when, task] : left) task();
}

void RetryTimer::at(Clock::time_point when, std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.emplace(when, std::move(task));
  }
  wake_.notify_one();
}

std::size_t RetryTimer::waiting() const {
  std::lock_guard lock(mutex_);
  return tasks_.size();
}

void RetryTimer::run(std::stop_token stop) {
  std::unique_lock lock(mutex_);
  while (!stop.stop_requested()) {
    if (tasks_.empty()) {
      wake_.wait(lock, stop, [&] { return !tasks_.empty(); });
      continue;
    }
    const auto first = tasks_.begin()->first;
    if (Clock::now() < first) {
      // Woken early by a task due sooner, or by stop; the loop looks again either way.
      wake_.wait_until(lock, stop, first, [&] { return tasks_.begin()->first < first; });
      continue;
    }
    std::vector<std::function<void()>> due;
    const auto now = Clock::now();
    while (!tasks_.empty() && tasks_.begin()->first <= now) {
      due.push_back(std::move(tasks_.begin()->second));
      tasks_.erase(tasks_.begin());
    }
    lock.unlock();
    for (auto& task : due) task();
    lock.lock();
  }
}

}  // namespace nmtd::front
