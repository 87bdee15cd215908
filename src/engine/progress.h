#pragma once
// Counts the units of work an engine call has finished (an encoder sublayer, a decoder layer
// of one step, the output projection) and when the last one finished, so that a watchdog on
// another thread can tell a long call that is moving from one that is stuck. One relaxed
// atomic add and one clock read per unit: each unit is at least a matrix product, so the cost
// does not show.
#include <atomic>
#include <chrono>
#include <cstdint>

namespace nmtd {

class ProgressCounter {
 public:
  using Clock = std::chrono::steady_clock;

  void bump() noexcept {
    last_ns_.store(Clock::now().time_since_epoch().count(), std::memory_order_relaxed);
    units_.fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t units() const noexcept { return units_.load(std::memory_order_relaxed); }
  // The epoch when nothing has finished yet.
  Clock::time_point last_progress() const noexcept {
    return Clock::time_point(Clock::duration(last_ns_.load(std::memory_order_relaxed)));
  }

 private:
  std::atomic<uint64_t> units_{0};
  std::atomic<Clock::rep> last_ns_{0};
};

}  // namespace nmtd
