#pragma once
// The supervisor's private bookkeeping: one record per worker process, one per place in the pool
// (a slot outlives its processes and carries the crash-loop back-off). Plain data: the
// supervisor acts on it, SupervisionPolicy decides from it.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/child_process.h"
#include "front/config/front_config.h"
#include "front/dispatch/worker_endpoint.h"
#include "front/restart_reason.h"
#include "front/supervise/restart_backoff.h"
#include "nmt/v1/translator.pb.h"

namespace nmtd::front {

struct WorkerRecord {
  using Clock = std::chrono::steady_clock;
  enum class Phase { kStarting, kReady, kDraining };

  WorkerRecord(int slot, int generation, ChildProcess process,
               std::shared_ptr<WorkerEndpoint> endpoint, std::filesystem::path state_dir,
               Clock::time_point started)
      : slot(slot),
        generation(generation),
        process(std::move(process)),
        endpoint(std::move(endpoint)),
        state_dir(std::move(state_dir)),
        started(started) {}

  const char* phase_name() const {
    switch (phase) {
      case Phase::kStarting:
        return "starting";
      case Phase::kReady:
        return "ready";
      case Phase::kDraining:
        return "draining";
    }
    return "?";
  }

  const int slot;
  const int generation;
  ChildProcess process;
  std::shared_ptr<WorkerEndpoint> endpoint;
  const std::filesystem::path state_dir;
  const Clock::time_point started;
  Phase phase = Phase::kStarting;
  Clock::time_point ready_since{};
  Clock::time_point drain_since{};
  Clock::time_point next_health{};
  Clock::time_point next_status{};
  Clock::time_point next_canary{};
  bool health_pending = false;
  bool status_pending = false;
  bool canary_pending = false;
  int misses = 0;
  int canaries = 0;
  std::optional<Clock::time_point> abort_sent;  // declared hung: SIGABRT sent then
  std::optional<RestartReason> stop_reason;     // why the front ended it
  bool unloaded = false;                        // the front ended it: idle unload
  int replacement_generation = 0;               // a planned recycle's replacement, starting
  std::optional<RestartReason> recycle_reason;  // why that recycle was planned
  std::optional<nmt::v1::GetStatusResponse> status;
};

struct SlotRecord {
  using Clock = std::chrono::steady_clock;
  explicit SlotRecord(const Supervision& s)
      : backoff(s.backoff_initial, s.backoff_max, s.backoff_reset_after) {}
  int next_generation = 1;
  RestartBackoff backoff;
  std::optional<Clock::time_point> start_at;  // a (re)start is due then
  std::string start_why = "initial start";
};

}  // namespace nmtd::front
