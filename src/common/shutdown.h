#pragma once
// The two halves of a graceful stop shared by the worker and the front: the main thread waits
// for the first stop signal, and a deadline that ends the process if the stop then wedges.
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stop_token>
#include <thread>

namespace nmtd {

// The main thread sleeps in wait() until request() names the signal that asked for a stop.
class StopRequest {
 public:
  void request(int signo) {
    {
      std::lock_guard lock(mutex_);
      if (signo_ == 0) signo_ = signo;
    }
    cv_.notify_all();
  }
  int wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return signo_ != 0; });
    return signo_;
  }
  // Waits at most `timeout`; 0 when no stop was requested by then.
  int wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return signo_ != 0; });
    return signo_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int signo_ = 0;
};

// Exits the process with status 1 if it still lives `limit` after construction (unless
// destroyed first): a wedged call must not turn a drain into a hang. `last_words` runs just
// before, on the deadline's thread (log the reason and flush there).
class ExitDeadline {
 public:
  ExitDeadline(std::chrono::milliseconds limit, std::function<void()> last_words)
      : thread_([limit, last_words = std::move(last_words)](std::stop_token stop) {
          std::mutex mutex;
          std::condition_variable_any cv;
          std::unique_lock lock(mutex);
          if (cv.wait_for(lock, stop, limit, [] { return false; })) return;
          if (stop.stop_requested()) return;
          if (last_words) last_words();
          ::_exit(1);
        }) {}

 private:
  std::jthread thread_;
};

}  // namespace nmtd
