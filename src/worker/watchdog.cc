#include "worker/watchdog.h"

#include <pthread.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "common/loggable.h"

namespace nmtd::worker {

Watchdog::Watchdog(const EngineActivity& activity, std::chrono::milliseconds stall_limit,
                   Logger& log, OnChange on_change)
    : activity_(activity), stall_limit_(stall_limit), log_(log), on_change_(std::move(on_change)) {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

Watchdog::~Watchdog() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void Watchdog::run(std::stop_token stop) {
  pthread_setname_np(pthread_self(), "watchdog");
  // Check often enough to report within a tenth of the limit, but not more than 20 times/s.
  const auto period =
      std::clamp(stall_limit_ / 10, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
  std::mutex mutex;
  std::condition_variable_any wake;
  bool stalled = false;
  std::chrono::milliseconds longest{0};
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex);
      wake.wait_for(lock, stop, period, [] { return false; });
    }
    const auto still = activity_.without_progress();
    if (!stalled && still > stall_limit_) {
      stalled = true;
      std::string ids;
      for (const auto& id : activity_.request_ids()) ids += (ids.empty() ? "" : ",") + loggable(id);
      log_.error(
          "watchdog: the engine call for requests [{}] has made no progress for {} ms "
          "(limit {} ms; the call has run {} ms); health is NOT_SERVING until it moves again",
          ids, still.count(), stall_limit_.count(), activity_.running_for().count());
      log_.flush();
      on_change_(true);
    } else if (stalled && still <= stall_limit_) {
      // It finished a unit of work, returned (0), or a new call began: the stall is over.
      log_.warn(
          "watchdog: the stalled engine call moved again or returned after at least {} ms "
          "without progress",
          longest.count());
      stalled = false;
      on_change_(false);
    }
    longest = still > stall_limit_ ? std::max(longest, still) : std::chrono::milliseconds(0);
  }
}

}  // namespace nmtd::worker
