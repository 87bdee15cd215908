#pragma once
// The supervisor's rules, apart from the processes they are about: each takes what was observed
// of a worker (its times, its answers, how it ended) and the time now, and says what to do. No
// clock is read here and no process is touched, so each rule is tested with made-up times and
// workers (tests/unit/front/supervision_policy_test.cc); the supervisor only carries them out.
#include <chrono>
#include <optional>
#include <string>

#include "front/config/front_config.h"
#include "front/restart_reason.h"
#include "front/supervise/restart_backoff.h"
#include "nmt/v1/translator.pb.h"

namespace nmtd::front {

class SupervisionPolicy {
 public:
  using Clock = std::chrono::steady_clock;
  using ms = std::chrono::milliseconds;

  // A draining worker gets this long past the drain timeout before SIGKILL.
  static constexpr ms kDrainGrace{5000};

  // `idle_unload`: serve --idle-unload; 0 never unloads.
  SupervisionPolicy(const Supervision& supervision, const SoftLimits& limits, ms drain_timeout,
                    ms idle_unload = ms(0))
      : supervision_(supervision),
        limits_(limits),
        drain_timeout_(drain_timeout),
        idle_unload_(idle_unload) {}

  // What to do about a serving worker: abort it (hung: SIGABRT for a core, SIGKILL after
  // kill_grace) or recycle it (planned: its replacement starts first).
  struct Verdict {
    enum class Act { kAbort, kRecycle };
    Act act;
    RestartReason reason;
    std::string why;  // for the log line
  };

  // A starting worker not serving start_timeout after its start is killed (kStartTimeout).
  bool start_timed_out(Clock::time_point started, Clock::time_point now) const;

  // A health check answered: the failed checks in a row after it, and whether they declare
  // the worker hung (health_misses in a row). A passed check clears the count.
  struct HealthCount {
    int misses = 0;
    bool hung = false;
  };
  HealthCount on_health(int misses_before, bool serving) const;

  // A canary that did not pass: whether it counts as a failed check. One that timed out while
  // the worker's engine works on a long batch that its watchdog finds progressing does not:
  // the watchdog judges the engine.
  static bool canary_counts(bool timed_out,
                            const std::optional<nmt::v1::GetStatusResponse>& latest_status);

  // The worker's status: an engine call its watchdog finds making no progress
  // (engine_no_progress_ms past the stall limit since the previous progress) aborts it
  // (kStalled); else the first soft limit it is over recycles it (RSS, fds, threads, GPU
  // memory, in that order).
  std::optional<Verdict> judge_status(const nmt::v1::GetStatusResponse& status) const;
  // A worker that reached recycle_age is recycled (kAge); 0 turns it off.
  std::optional<Verdict> judge_age(Clock::time_point started, Clock::time_point now) const;

  // SIGABRT was sent at `abort_sent`: SIGKILL once kill_grace has passed.
  bool kill_after_abort(Clock::time_point abort_sent, Clock::time_point now) const;
  // Draining since `drain_since`: SIGKILL past the drain timeout and kDrainGrace.
  bool kill_draining(Clock::time_point drain_since, Clock::time_point now) const;

  // How a worker ended, and what the supervisor knew of it.
  struct ExitObservation {
    bool signaled = false;                         // ended by a signal (else: exited)
    std::optional<RestartReason> stop_reason;      // set when the front ended it, and why
    std::optional<Clock::time_point> ready_since;  // when it began serving; unset: never did
    bool slot_covered = false;  // another worker, not draining, holds its slot already
    bool stopping = false;      // the front is shutting down
    bool unloaded = false;      // the front stopped it: idle unload
  };
  struct ExitPlan {
    RestartReason reason = RestartReason::kExit;
    bool planned = false;          // a recycle or unload the front planned (logged as info)
    bool counted = false;          // counts in restarts_by_reason
    bool unloaded = false;         // an idle unload: the slot stays empty until a call wakes it
    std::optional<ms> restart_in;  // start the slot's next worker then; unset: none
  };
  // Crash or exit: the slot restarts after the backoff (a crash loop backs off up to
  // backoff_max and keeps trying; a worker that served backoff_reset_after or longer resets
  // it). A planned recycle restarts at once without backoff. Nothing restarts while the slot is
  // covered by a replacement or the front stops. An idle unload is neither a restart nor a
  // failure: not counted, no backoff, no restart (the next call starts the slot again).
  ExitPlan on_exit(const ExitObservation& exit, Clock::time_point now,
                   RestartBackoff& backoff) const;

  // A worker could not even be started (spawn failed): try again after the backoff.
  static ms after_failed_start(RestartBackoff& backoff) { return backoff.on_failure(ms(0)); }

  // A planned recycle's spare (the replacement started first) decides what becomes of the
  // worker it replaces.
  enum class RecycleStep {
    kWait,      // the replacement is starting: the old worker keeps serving
    kAbandon,   // the replacement died: keep serving, the next check plans again
    kDrainOld,  // the replacement serves: drain the old worker
  };
  static RecycleStep recycle_step(bool replacement_alive, bool replacement_ready);

  // Idle unload (serve --idle-unload): the workers exit once the pool has been settled and
  // without a call for idle_unload. Settled: every slot holds one ready worker and nothing is
  // starting, draining, hung, suspect or being replaced, so that an unload never cuts short a
  // recovery, a recycle or a crash loop's back-off (those keep their own rules). Busy: calls in
  // flight on a worker or held by the front; a busy pool is never unloaded.
  struct IdleObservation {
    bool settled = false;
    bool busy = false;
    Clock::time_point last_activity{};  // a call's arrival, or the last moment seen busy
  };
  bool unload_due(const IdleObservation& seen, Clock::time_point now) const;
  bool unloads() const { return idle_unload_.count() > 0; }

 private:
  const Supervision supervision_;
  const SoftLimits limits_;
  const ms drain_timeout_;
  const ms idle_unload_;
};

}  // namespace nmtd::front
