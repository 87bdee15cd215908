#pragma once
// The soak's clock and its list of events (chaos actions, restarts), shared by the threads
// that notice them. Times are seconds since the soak started, on the steady clock.
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "soak/report/soak_record.h"

namespace nmtd::soak {

class Timeline {
 public:
  Timeline() : origin_(std::chrono::steady_clock::now()) {}

  double now_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
  }
  void add(std::string kind, std::string label) {
    const double t = now_s();
    std::lock_guard lock(mu_);
    events_.push_back({t, std::move(kind), std::move(label)});
  }
  std::vector<TimelineEvent> events() const {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  const std::chrono::steady_clock::time_point origin_;
  mutable std::mutex mu_;
  std::vector<TimelineEvent> events_;
};

}  // namespace nmtd::soak
