#pragma once
// Sleeps that end early when the soak stops, so that no thread outlives the run by a pause.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <stop_token>

namespace nmtd::soak {

// Returns false when `stop` was requested before or during the sleep.
inline bool sleep_unless_stopped(std::stop_token stop, std::chrono::duration<double> duration) {
  std::mutex mu;
  std::condition_variable_any cv;
  std::unique_lock lock(mu);
  cv.wait_for(lock, stop, std::chrono::duration_cast<std::chrono::nanoseconds>(duration),
              [] { return false; });
  return !stop.stop_requested();
}

}  // namespace nmtd::soak
