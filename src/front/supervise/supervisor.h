#pragma once
// Keeps `workers` model processes serving: starts them, watches them (process exit, health
// every second, the worker's stuck-engine flag, resource soft limits, age, a canary
// translation), replaces them — planned recycles start the replacement first and drain the old
// one only once the new one serves — and backs off when a slot crash-loops. With idle_unload it
// lets every worker go after that long without a call and starts them again for the next call
// (the router holds it meanwhile). One thread acts on every decision, which SupervisionPolicy
// makes from what was observed; gRPC threads only hand it answers.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/child_process.h"
#include "common/log/log.h"
#include "crash/reader/crash_archive.h"
#include "front/config/front_config.h"
#include "front/dispatch/router.h"
#include "front/restart_reason.h"
#include "front/supervise/restart_backoff.h"
#include "front/supervise/supervision_policy.h"
#include "front/supervise/worker_probe.h"

namespace nmtd::front {

struct WorkerRecord;  // supervisor_record.h
struct SlotRecord;

// What status pages and metrics show of one worker process.
struct WorkerSnapshot {
  int slot = 0;
  int generation = 0;
  pid_t pid = 0;
  std::string phase;  // "starting", "ready", "draining"
  std::chrono::milliseconds age{0};
  int outstanding = 0;
  bool accepting = false;
  std::optional<nmt::v1::GetStatusResponse> status;  // the latest answer to GetStatus
};

// Idle unload as status pages and metrics show it.
struct IdleUnloadState {
  bool unloaded = false;  // the workers were let go for idleness and none serves yet
  bool waking = false;    // a call arrived since: workers are starting for it
  uint64_t unloads = 0;   // times the workers were let go
  std::optional<std::chrono::milliseconds> last_wake;  // first held call to a serving worker
};

// Whether calls can be served, as health and readiness say it.
struct Readiness {
  int ready = 0;  // workers taking calls
  int wanted = 0;
  bool unloaded = false;  // none, on purpose: the next call starts one
  // A call sent now is served: a worker takes it, or one starts for it.
  bool takes_calls() const { return ready > 0 || unloaded; }
  bool operator==(const Readiness&) const = default;
};

struct SupervisorHooks {
  // Readiness changed. Runs on the supervision thread.
  std::function<void(const Readiness&)> on_readiness;
  // Runs on every supervision turn that made progress: the systemd watchdog's heartbeat.
  std::function<void()> on_turn;
};

class Supervisor {
 public:
  Supervisor(const FrontConfig& config, std::filesystem::path runtime_dir, Router& router,
             crash::CrashArchive* archive, Logger& log, SupervisorHooks hooks);
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  void start();
  // Stops restarting, asks every worker to drain (SIGTERM), waits up to `timeout`, then kills
  // what is left. Returns once no worker process remains.
  void stop(std::chrono::milliseconds timeout);

  std::vector<WorkerSnapshot> snapshot() const;
  // By restart_reason_name(); a reason not yet counted is absent.
  std::map<std::string, uint64_t> restarts_by_reason() const;
  uint64_t restarts_total() const;
  IdleUnloadState idle_unload_state() const;

 private:
  using Clock = std::chrono::steady_clock;
  using Record = WorkerRecord;
  using Slot = SlotRecord;

  void run(std::stop_token stop);
  void turn(Clock::time_point now);
  void post(std::function<void()> event);  // from gRPC threads: runs on the supervision thread
  void run_events();

  void spawn(int slot_index, Clock::time_point now, const std::string& why);
  void reap(Clock::time_point now);
  void on_exit(Record& record, const ExitStatus& exit, Clock::time_point now);
  void collect_crash_report(const Record& record);
  void watch_starting(Record& record, Clock::time_point now);
  void watch_ready(Record& record, Clock::time_point now);
  void watch_draining(Record& record, Clock::time_point now);
  void on_health(Record& record, bool serving, const std::string& detail, Clock::time_point now);
  void on_status(Record& record, const nmt::v1::GetStatusResponse& status, Clock::time_point now);
  void declare_hung(Record& record, const std::string& why, RestartReason reason,
                    Clock::time_point now);
  void plan_recycle(Record& record, const std::string& why, RestartReason reason,
                    Clock::time_point now);
  void promote_replacements(Clock::time_point now);
  void unload_if_idle(Clock::time_point now);  // supervisor_idle.cc
  void wake(Clock::time_point now);
  void on_serving(Record& record, Clock::time_point now);
  void on_wake_failed(const Record& record);
  void count_restart(RestartReason reason);
  void publish(Clock::time_point now);
  Record* find(int slot, int generation);

  const FrontConfig& config_;
  const std::filesystem::path runtime_dir_;
  const std::filesystem::path executable_;
  Router& router_;
  crash::CrashArchive* archive_;
  Logger& log_;
  SupervisorHooks hooks_;
  const SupervisionPolicy policy_;
  ProbeTracker probes_;

  // Owned by the supervision thread.
  std::vector<std::unique_ptr<Record>> records_;
  std::vector<Slot> slots_;
  bool stopping_ = false;
  std::optional<Readiness> last_readiness_;
  std::optional<Clock::time_point> wake_since_;  // a call woke the unloaded workers then

  std::mutex events_mutex_;
  std::condition_variable events_posted_;  // a turn starts at once for an event (a wake)
  std::vector<std::function<void()>> events_;

  mutable std::mutex published_mutex_;
  std::vector<WorkerSnapshot> published_;
  std::map<std::string, uint64_t> restarts_;
  IdleUnloadState idle_;

  std::mutex stop_mutex_;
  std::optional<Clock::time_point> stop_deadline_;
  std::jthread thread_;
};

}  // namespace nmtd::front
