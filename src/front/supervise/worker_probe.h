#pragma once
// The supervisor's questions to a worker, asked asynchronously so that one wedged worker never
// stalls the supervision of the others: health, status (resources, stuck engine), and a canary
// translation. Answers arrive on gRPC threads; ProbeTracker lets the owner wait them out.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "front/dispatch/worker_endpoint.h"

namespace nmtd::front {

class ProbeTracker {
 public:
  void begin() {
    std::lock_guard lock(mutex_);
    ++in_flight_;
  }
  void end() {
    std::lock_guard lock(mutex_);
    if (--in_flight_ == 0) idle_.notify_all();
  }
  void wait_idle() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [&] { return in_flight_ == 0; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable idle_;
  int in_flight_ = 0;
};

// `done(serving, detail)`: detail says what was wrong when not serving.
void probe_health(WorkerEndpoint& worker, std::chrono::milliseconds timeout, ProbeTracker& tracker,
                  std::function<void(bool, std::string)> done);

void probe_status(WorkerEndpoint& worker, std::chrono::milliseconds timeout, ProbeTracker& tracker,
                  std::function<void(std::optional<nmt::v1::GetStatusResponse>)> done);

// Translates one short text with greedy search: the path real calls take, end to end. Vary
// `text` between canaries, or the worker's cache answers without the engine. A timeout is
// told apart: behind a long batch that is still progressing it proves nothing against the
// worker.
enum class CanaryResult { kPassed, kTimedOut, kFailed };
void probe_canary(WorkerEndpoint& worker, const std::string& text,
                  std::chrono::milliseconds timeout, ProbeTracker& tracker,
                  std::function<void(CanaryResult, std::string)> done);

}  // namespace nmtd::front
