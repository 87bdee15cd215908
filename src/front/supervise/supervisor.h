#pragma once
// Keeps `workers` model processes serving: starts them, watches them (process exit, health
// every second, the worker's stuck-engine flag, resource soft limits, age, a canary
// translation), replaces them — planned recycles start the replacement first and drain the old
// one only once the new one serves — and backs off when a slot crash-loops. One thread acts on
// every decision, which SupervisionPolicy makes from what was observed; gRPC threads only hand
// it answers.
#include <chrono>
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

struct SupervisorHooks {
  // Readiness changed: some worker takes work / none does. Runs on the supervision thread.
  std::function<void(bool any_ready, int ready, int wanted)> on_readiness;
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
  int last_ready_ = -1;

  std::mutex events_mutex_;
  std::vector<std::function<void()>> events_;

  mutable std::mutex published_mutex_;
  std::vector<WorkerSnapshot> published_;
  std::map<std::string, uint64_t> restarts_;

  std::mutex stop_mutex_;
  std::optional<Clock::time_point> stop_deadline_;
  std::jthread thread_;
};

}  // namespace nmtd::front
