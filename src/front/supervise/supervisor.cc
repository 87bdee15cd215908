#include "front/supervise/supervisor.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>

#include "common/error.h"
#include "common/heap_release.h"
#include "common/private_directory.h"
#include "crash/reader/crash_report.h"
#include "front/config/configuration.h"
#include "front/supervise/supervisor_record.h"

namespace nmtd::front {

namespace {

constexpr auto kTurn = std::chrono::milliseconds(50);
// While workers start for a held call: turns as often as starting workers are probed.
constexpr auto kWakingTurn = std::chrono::milliseconds(5);

std::chrono::milliseconds since(std::chrono::steady_clock::time_point from,
                                std::chrono::steady_clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - from);
}

}  // namespace

Supervisor::Supervisor(const FrontConfig& config, std::filesystem::path runtime_dir, Router& router,
                       crash::CrashArchive* archive, Logger& log, SupervisorHooks hooks)
    : config_(config),
      runtime_dir_(std::move(runtime_dir)),
      executable_(current_executable()),
      router_(router),
      archive_(archive),
      log_(log),
      hooks_(std::move(hooks)),
      policy_(config.supervision, config.limits, config.drain_timeout, config.idle_unload) {
  for (int i = 0; i < config_.workers; ++i) {
    slots_.emplace_back(config_.supervision);
    slots_.back().start_at = Clock::now();
  }
  if (policy_.unloads()) router_.set_on_wake([this] { post([this] { wake(Clock::now()); }); });
}

Supervisor::~Supervisor() {
  if (thread_.joinable()) stop(std::chrono::milliseconds(0));
  router_.set_on_wake({});
}

void Supervisor::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Supervisor::stop(std::chrono::milliseconds timeout) {
  {
    std::lock_guard lock(stop_mutex_);
    if (!stop_deadline_) stop_deadline_ = Clock::now() + timeout;
  }
  if (thread_.joinable()) thread_.join();
  probes_.wait_idle();  // their callbacks post to us: let them finish while we exist
}

void Supervisor::post(std::function<void()> event) {
  {
    std::lock_guard lock(events_mutex_);
    events_.push_back(std::move(event));
  }
  events_posted_.notify_one();
}

void Supervisor::run_events() {
  std::vector<std::function<void()>> events;
  {
    std::lock_guard lock(events_mutex_);
    events.swap(events_);
  }
  for (auto& e : events) e();
}

void Supervisor::run(std::stop_token stop) {
  pthread_setname_np(pthread_self(), "supervisor");
  while (!stop.stop_requested()) {
    const auto now = Clock::now();
    std::optional<Clock::time_point> deadline;
    {
      std::lock_guard lock(stop_mutex_);
      deadline = stop_deadline_;
    }
    if (deadline && !stopping_) {
      stopping_ = true;
      log_.info("stopping {} worker(s): draining", records_.size());
      for (auto& r : records_) {
        router_.remove(r->endpoint.get());
        if (r->phase != Record::Phase::kDraining) {
          r->phase = Record::Phase::kDraining;
          r->drain_since = now;
        }
        r->process.signal(SIGTERM);
      }
    }
    turn(now);
    if (stopping_ && records_.empty()) break;
    if (stopping_ && now >= *deadline) {
      for (auto& r : records_) {
        log_.warn("{} did not stop within the drain timeout: SIGKILL", r->endpoint->name());
        r->process.signal(SIGKILL);
        r->process.wait();
      }
      records_.clear();
      break;
    }
    // Until the next turn, or sooner for an event: a wake, or a starting worker that serves,
    // is acted on at once (a held call waits on it).
    std::unique_lock lock(events_mutex_);
    events_posted_.wait_for(lock, wake_since_ ? kWakingTurn : kTurn,
                            [this] { return !events_.empty(); });
  }
  router_.release_all();
  publish(Clock::now());
}

void Supervisor::turn(Clock::time_point now) {
  run_events();
  reap(now);
  for (std::size_t i = 0; i < slots_.size() && !stopping_; ++i) {
    auto& slot = slots_[i];
    if (slot.start_at && now >= *slot.start_at) {
      slot.start_at.reset();
      spawn(static_cast<int>(i), now, slot.start_why);
    }
  }
  // By index over the records present now: a check may start a replacement (push_back).
  for (std::size_t i = 0, n = records_.size(); i < n; ++i) {
    Record& r = *records_[i];
    switch (r.phase) {
      case Record::Phase::kStarting:
        watch_starting(r, now);
        break;
      case Record::Phase::kReady:
        watch_ready(r, now);
        break;
      case Record::Phase::kDraining:
        watch_draining(r, now);
        break;
    }
  }
  promote_replacements(now);
  unload_if_idle(now);
  router_.expire(now);
  publish(now);
  if (hooks_.on_turn) hooks_.on_turn();
}

void Supervisor::spawn(int slot_index, Clock::time_point now, const std::string& why) {
  Slot& slot = slots_[static_cast<std::size_t>(slot_index)];
  const int generation = slot.next_generation++;
  const auto name = "w" + std::to_string(slot_index);
  const auto socket = runtime_dir_ / (name + "-" + std::to_string(generation) + ".sock");
  const auto state_dir =
      config_.state_dir.empty() ? runtime_dir_ / name : config_.state_dir / "workers" / name;
  std::vector<std::string> args = {"worker",
                                   "--model",
                                   config_.model_dir.string(),
                                   "--listen",
                                   "unix:" + socket.string(),
                                   "--state-dir",
                                   state_dir.string(),
                                   "--parent-pid",
                                   std::to_string(::getpid())};
  const auto extra = worker_arguments(config_);
  args.insert(args.end(), extra.begin(), extra.end());
  try {
    create_private_directories(state_dir);  // the worker's log and crash reports
    ChildProcess process = ChildProcess::spawn(executable_, args);
    auto endpoint =
        std::make_shared<WorkerEndpoint>(slot_index, generation, process.pid(), socket.string());
    log_.info("starting {} ({})", endpoint->name(), why);
    records_.push_back(std::make_unique<Record>(slot_index, generation, std::move(process),
                                                std::move(endpoint), state_dir, now));
  } catch (const std::exception& e) {
    const auto delay = SupervisionPolicy::after_failed_start(slot.backoff);
    log_.error("cannot start a worker for slot {}: {}; trying again in {} ms", slot_index, e.what(),
               delay.count());
    slot.start_at = now + delay;
    slot.start_why = "retry after a failed start";
  }
}

void Supervisor::reap(Clock::time_point now) {
  for (auto it = records_.begin(); it != records_.end();) {
    Record& r = **it;
    if (const auto& exit = r.process.poll()) {
      on_exit(r, *exit, now);
      it = records_.erase(it);
    } else {
      ++it;
    }
  }
}

void Supervisor::on_exit(Record& r, const ExitStatus& exit, Clock::time_point now) {
  router_.remove(r.endpoint.get());
  r.endpoint->accepting = false;
  const bool was_ready = r.ready_since != Clock::time_point{};
  SupervisionPolicy::ExitObservation seen;
  seen.signaled = exit.signaled;
  seen.stop_reason = r.stop_reason;
  if (was_ready) seen.ready_since = r.ready_since;
  seen.stopping = stopping_;
  seen.unloaded = r.unloaded;
  seen.slot_covered = std::any_of(records_.begin(), records_.end(), [&](const auto& o) {
    return o.get() != &r && o->slot == r.slot && o->phase != Record::Phase::kDraining;
  });
  Slot& slot = slots_[static_cast<std::size_t>(r.slot)];
  const auto plan = policy_.on_exit(seen, now, slot.backoff);
  if (plan.unloaded) {
    log_.info("{} stopped (idle unload): {}", r.endpoint->name(), exit.describe());
  } else if (stopping_ || plan.planned) {
    log_.info("{} stopped ({}): {}", r.endpoint->name(),
              stopping_ ? "shutdown" : restart_reason_name(plan.reason), exit.describe());
  } else {
    log_.error("{} ended ({}): {} after {} ms{}", r.endpoint->name(),
               restart_reason_name(plan.reason), exit.describe(), since(r.started, now).count(),
               was_ready ? "" : ", never ready");
  }
  collect_crash_report(r);
  if (plan.counted) count_restart(plan.reason);
  if (!was_ready && !plan.unloaded && !stopping_) on_wake_failed(r);
  if (!plan.restart_in) return;  // shutting down, or a replacement already holds the slot
  const auto delay = *plan.restart_in;
  slot.start_at = now + delay;
  slot.start_why =
      "replacing " + r.endpoint->name() + ", " + std::string(restart_reason_name(plan.reason));
  if (delay.count() > 0)
    log_.warn("slot {}: next worker in {} ms (crash-loop back-off; doubles up to {} ms)", r.slot,
              delay.count(), config_.supervision.backoff_max.count());
}

void Supervisor::collect_crash_report(const Record& r) {
  const auto file = r.state_dir / ("crash-" + std::to_string(r.endpoint->pid) + ".txt");
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return;
  try {
    crash::CrashReport report = crash::read_crash_report(file);
    // The reporter opens its file at start: a worker that died without a report (SIGKILL)
    // leaves it empty.
    if (report.raw.empty()) {
      std::filesystem::remove(file, ec);
      return;
    }
    // The worker ran the file at executable_ when it started; if that file was replaced since,
    // the front's own image (/proc/self/exe) may still be the build that crashed.
    const std::vector<std::filesystem::path> candidates = {executable_, "/proc/self/exe"};
    crash::symbolize(report, candidates);
    log_.error("crash report of {}:\n{}", r.endpoint->name(), crash::format_report(report));
    if (archive_) {
      const auto kept = archive_->store(report, r.endpoint->name());
      log_.info("crash report kept as {}", kept.string());
    }
    std::filesystem::remove(file, ec);
    // Symbolizing read megabytes of symbol tables; malloc would keep them resident.
    release_free_heap();
  } catch (const std::exception& e) {
    log_.error("cannot read the crash report {}: {}", file.string(), e.what());
  }
}

void Supervisor::count_restart(RestartReason reason) {
  std::lock_guard lock(published_mutex_);
  ++restarts_[std::string(restart_reason_name(reason))];
}

std::map<std::string, uint64_t> Supervisor::restarts_by_reason() const {
  std::lock_guard lock(published_mutex_);
  return restarts_;
}

uint64_t Supervisor::restarts_total() const {
  std::lock_guard lock(published_mutex_);
  uint64_t total = 0;
  for (const auto& [reason, n] : restarts_) total += n;
  return total;
}

std::vector<WorkerSnapshot> Supervisor::snapshot() const {
  std::lock_guard lock(published_mutex_);
  return published_;
}

IdleUnloadState Supervisor::idle_unload_state() const {
  std::lock_guard lock(published_mutex_);
  return idle_;
}

void Supervisor::publish(Clock::time_point now) {
  std::vector<WorkerSnapshot> snapshots;
  int ready = 0;
  for (const auto& r : records_) {
    WorkerSnapshot s;
    s.slot = r->slot;
    s.generation = r->generation;
    s.pid = r->endpoint->pid;
    s.phase = r->phase_name();
    s.age = since(r->started, now);
    s.outstanding = r->endpoint->outstanding;
    s.accepting = r->endpoint->accepting;
    s.status = r->status;
    ready += s.accepting ? 1 : 0;
    snapshots.push_back(std::move(s));
  }
  const Readiness readiness{ready, config_.workers, router_.unloaded()};
  {
    std::lock_guard lock(published_mutex_);
    published_ = std::move(snapshots);
    idle_.unloaded = readiness.unloaded;
    idle_.waking = wake_since_.has_value();
  }
  if (readiness != last_readiness_) {
    last_readiness_ = readiness;
    if (hooks_.on_readiness) hooks_.on_readiness(readiness);
  }
}

Supervisor::Record* Supervisor::find(int slot, int generation) {
  for (auto& r : records_) {
    if (r->slot == slot && r->generation == generation) return r.get();
  }
  return nullptr;
}

}  // namespace nmtd::front
