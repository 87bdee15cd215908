#pragma once
// Why the supervisor replaced a worker: the `reason` label of nmtd_worker_restarts_total and the
// keys of GetStatus's restarts_by_reason. One list, so that the metrics can export every reason
// at 0 from the start and the supervisor can count no reason the list lacks.
#include <array>
#include <string_view>

namespace nmtd::front {

enum class RestartReason {
  kCrash,         // the worker died of a signal the front did not send
  kExit,          // the worker exited on its own
  kStartTimeout,  // it did not become ready within supervision.start_timeout
  kHung,          // it failed supervision.health_misses health checks in a row
  kStalled,       // its engine call made no progress (the worker's watchdog)
  kAge,           // planned: it reached supervision.recycle_age
  kRss,           // planned: resident memory over the soft limit
  kFds,           // planned: open file descriptors over the soft limit
  kThreads,       // planned: threads over the soft limit
  kGpuMemory,     // planned: GPU memory over the soft limit
};

inline constexpr std::array kRestartReasons = {
    RestartReason::kCrash,    RestartReason::kExit,    RestartReason::kStartTimeout,
    RestartReason::kHung,     RestartReason::kStalled, RestartReason::kAge,
    RestartReason::kRss,      RestartReason::kFds,     RestartReason::kThreads,
    RestartReason::kGpuMemory};

constexpr std::string_view restart_reason_name(RestartReason reason) {
  switch (reason) {
    case RestartReason::kCrash:
      return "crash";
    case RestartReason::kExit:
      return "exit";
    case RestartReason::kStartTimeout:
      return "start_timeout";
    case RestartReason::kHung:
      return "hung";
    case RestartReason::kStalled:
      return "stalled";
    case RestartReason::kAge:
      return "age";
    case RestartReason::kRss:
      return "rss";
    case RestartReason::kFds:
      return "fds";
    case RestartReason::kThreads:
      return "threads";
    case RestartReason::kGpuMemory:
      return "gpu_memory";
  }
  return "unknown";
}

// A recycle the front planned (the replacement started first): logged as info, no back-off.
constexpr bool restart_was_planned(RestartReason reason) {
  switch (reason) {
    case RestartReason::kAge:
    case RestartReason::kRss:
    case RestartReason::kFds:
    case RestartReason::kThreads:
    case RestartReason::kGpuMemory:
      return true;
    default:
      return false;
  }
}

}  // namespace nmtd::front
