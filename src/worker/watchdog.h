#pragma once
// Reports an engine call that has stopped making progress: no encoder sublayer, decoder layer
// or projection finished for the stall limit. A long call that keeps finishing units is busy,
// not stuck, however long it runs. A stall gets one error line naming the requests, the stall
// flag in GetStatus, and health NOT_SERVING until the call moves again or returns. Killing is
// the supervisor's decision (the front, or Kubernetes), not ours: it can see the flag and act.
#include <chrono>
#include <functional>
#include <thread>

#include "common/log/log.h"
#include "worker/engine_activity.h"

namespace nmtd::worker {

class Watchdog {
 public:
  using OnChange = std::function<void(bool stalled)>;
  Watchdog(const EngineActivity& activity, std::chrono::milliseconds stall_limit, Logger& log,
           OnChange on_change);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  void run(std::stop_token stop);

  const EngineActivity& activity_;
  const std::chrono::milliseconds stall_limit_;
  Logger& log_;
  OnChange on_change_;
  std::jthread thread_;
};

}  // namespace nmtd::worker
