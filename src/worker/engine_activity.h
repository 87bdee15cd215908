#pragma once
// What the engine is doing now, for the watchdog and GetStatus, and the failing of texts that
// can no longer be answered.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "engine/progress.h"
#include "worker/pending_call.h"
#include "worker/worker_stats.h"

namespace nmtd::worker {

class EngineActivity {
 public:
  explicit EngineActivity(const ProgressCounter& progress) : progress_(progress) {}
  void begin(std::vector<std::string> request_ids);
  // The requests being decoded changed (some joined or left); the call goes on.
  void set_request_ids(std::vector<std::string> request_ids);
  void end();
  // 0 when idle.
  std::chrono::milliseconds running_for() const;
  // How long the running call has gone without finishing a unit of work (since it began, if
  // none yet): what tells a stuck engine from a slow one. 0 when idle.
  std::chrono::milliseconds without_progress() const;
  std::vector<std::string> request_ids() const;

 private:
  const ProgressCounter& progress_;
  std::atomic<int64_t> started_ns_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> request_ids_;
};

// Fails the calls of texts that can no longer be answered (cancelled, expired), counting them.
void fail_dead_jobs(std::vector<TextJob>& dead, WorkerStats& stats);

// Whether nobody waits for the text any more (its call completed, expired or was cancelled).
bool is_dead(const TextJob& job, Clock::time_point now);

}  // namespace nmtd::worker
