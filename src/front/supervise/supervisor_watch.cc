// The supervisor's checks of running workers: readiness, health, the stuck-engine flag,
// resource soft limits, age and the canary; and what it does about a failed check.
#include <signal.h>

#include "front/supervise/supervisor.h"
#include "front/supervise/supervisor_record.h"

namespace nmtd::front {

namespace {

constexpr auto kStartingProbeEvery = std::chrono::milliseconds(100);
// While a call waits for the workers to wake, each millisecond of the probe's period is one the
// call may wait after its worker serves: ask often (a Check on a unix socket costs little).
constexpr auto kWakingProbeEvery = std::chrono::milliseconds(5);
constexpr auto kCanaryTimeout = std::chrono::seconds(30);

std::chrono::milliseconds since(std::chrono::steady_clock::time_point from,
                                std::chrono::steady_clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - from);
}

}  // namespace

void Supervisor::watch_starting(Record& r, Clock::time_point now) {
  if (policy_.start_timed_out(r.started, now) && !r.stop_reason && !stopping_) {
    log_.error("{} was not serving {} ms after its start: killing it", r.endpoint->name(),
               config_.supervision.start_timeout.count());
    r.stop_reason = RestartReason::kStartTimeout;
    r.process.signal(SIGKILL);
    return;
  }
  if (r.health_pending || now < r.next_health) return;
  r.health_pending = true;
  r.next_health = now + (wake_since_ ? kWakingProbeEvery : kStartingProbeEvery);
  const int slot = r.slot, generation = r.generation;
  probe_health(*r.endpoint, config_.supervision.health_timeout, probes_,
               [this, slot, generation](bool serving, std::string detail) {
                 post([this, slot, generation, serving, detail = std::move(detail)] {
                   Record* rec = find(slot, generation);
                   if (!rec) return;
                   rec->health_pending = false;
                   if (!serving || rec->phase != Record::Phase::kStarting) return;
                   const auto now = Clock::now();
                   rec->phase = Record::Phase::kReady;
                   rec->ready_since = now;
                   rec->next_health = now + config_.supervision.health_interval;
                   rec->next_status = now;
                   rec->next_canary = now + config_.supervision.canary_interval;
                   log_.info("{} is serving, {} ms after its start", rec->endpoint->name(),
                             since(rec->started, now).count());
                   if (!stopping_) router_.add(rec->endpoint);
                   on_serving(*rec, now);
                 });
               });
}

void Supervisor::watch_ready(Record& r, Clock::time_point now) {
  const auto& s = config_.supervision;
  if (r.abort_sent) {
    if (policy_.kill_after_abort(*r.abort_sent, now)) {
      log_.error("{} still alive {} ms after SIGABRT: SIGKILL", r.endpoint->name(),
                 s.kill_grace.count());
      r.process.signal(SIGKILL);
      r.abort_sent = now + std::chrono::hours(24);  // once
    }
    return;
  }
  const int slot = r.slot, generation = r.generation;
  if (!r.health_pending && (now >= r.next_health || r.endpoint->suspect)) {
    r.health_pending = true;
    r.next_health = now + s.health_interval;
    probe_health(*r.endpoint, s.health_timeout, probes_,
                 [this, slot, generation](bool serving, std::string detail) {
                   post([this, slot, generation, serving, detail = std::move(detail)] {
                     if (Record* rec = find(slot, generation))
                       on_health(*rec, serving, detail, Clock::now());
                   });
                 });
  }
  if (!r.status_pending && now >= r.next_status) {
    r.status_pending = true;
    r.next_status = now + s.health_interval;
    probe_status(*r.endpoint, s.health_timeout, probes_,
                 [this, slot, generation](std::optional<nmt::v1::GetStatusResponse> status) {
                   post([this, slot, generation, status = std::move(status)] {
                     Record* rec = find(slot, generation);
                     if (!rec) return;
                     rec->status_pending = false;
                     if (status) on_status(*rec, *status, Clock::now());
                   });
                 });
  }
  if (s.canary_interval.count() > 0 && !r.canary_pending && now >= r.next_canary) {
    r.canary_pending = true;
    r.next_canary = now + s.canary_interval;
    const std::string text = "Canary check number " + std::to_string(++r.canaries) + ".";
    probe_canary(
        *r.endpoint, text, kCanaryTimeout, probes_,
        [this, slot, generation](CanaryResult result, std::string detail) {
          post([this, slot, generation, result, detail = std::move(detail)] {
            Record* rec = find(slot, generation);
            if (!rec) return;
            rec->canary_pending = false;
            if (result == CanaryResult::kPassed) return;
            if (!SupervisionPolicy::canary_counts(result == CanaryResult::kTimedOut, rec->status)) {
              // Queued behind a long batch: the watchdog judges the engine, not us.
              log_.info(
                  "{}: the canary timed out while the engine works on a long "
                  "batch that is still progressing; not a failed check",
                  rec->endpoint->name());
              return;
            }
            on_health(*rec, false, detail, Clock::now());
          });
        });
  }
  if (const auto verdict = policy_.judge_age(r.started, now))
    plan_recycle(r, verdict->why, verdict->reason, now);
}

void Supervisor::watch_draining(Record& r, Clock::time_point now) {
  if (policy_.kill_draining(r.drain_since, now) && !r.abort_sent) {
    log_.error("{} still draining after {} ms: SIGKILL", r.endpoint->name(),
               since(r.drain_since, now).count());
    r.process.signal(SIGKILL);
    r.abort_sent = now;
  }
}

void Supervisor::on_health(Record& r, bool serving, const std::string& detail,
                           Clock::time_point now) {
  r.health_pending = false;
  if (r.phase != Record::Phase::kReady || r.abort_sent) return;
  const auto count = policy_.on_health(r.misses, serving);
  if (serving) {
    if (r.misses > 0) log_.info("{} answers health checks again", r.endpoint->name());
    r.misses = count.misses;
    if (r.endpoint->suspect.exchange(false) && !stopping_ && r.replacement_generation == 0) {
      log_.info("{} checked after a failed call: healthy, back in rotation", r.endpoint->name());
      router_.add(r.endpoint);
    }
    return;
  }
  r.misses = count.misses;
  log_.warn("{} failed a check ({} of {} allowed in a row): {}", r.endpoint->name(), r.misses,
            config_.supervision.health_misses, detail);
  router_.remove(r.endpoint.get());
  if (count.hung)
    declare_hung(r, "it failed " + std::to_string(r.misses) + " checks in a row",
                 RestartReason::kHung, now);
}

void Supervisor::on_status(Record& r, const nmt::v1::GetStatusResponse& status,
                           Clock::time_point now) {
  r.status = status;
  if (r.phase != Record::Phase::kReady || r.abort_sent) return;
  const auto verdict = policy_.judge_status(status);
  if (!verdict) return;
  if (verdict->act == SupervisionPolicy::Verdict::Act::kAbort) {
    declare_hung(r, verdict->why, verdict->reason, now);
  } else {
    plan_recycle(r, verdict->why, verdict->reason, now);
  }
}

void Supervisor::declare_hung(Record& r, const std::string& why, RestartReason reason,
                              Clock::time_point now) {
  router_.remove(r.endpoint.get());
  log_.error("{} is hung: {}; SIGABRT for a core and a crash report, SIGKILL in {} ms",
             r.endpoint->name(), why, config_.supervision.kill_grace.count());
  r.stop_reason = reason;
  r.abort_sent = now;
  r.process.signal(SIGABRT);
  // A process stopped by SIGSTOP cannot act on SIGABRT until continued.
  r.process.signal(SIGCONT);
}

void Supervisor::plan_recycle(Record& r, const std::string& why, RestartReason reason,
                              Clock::time_point now) {
  if (r.replacement_generation != 0 || stopping_) return;
  log_.info("recycling {}: {}; its replacement starts first", r.endpoint->name(), why);
  const int generation = slots_[static_cast<std::size_t>(r.slot)].next_generation;
  spawn(r.slot, now,
        "replacement for " + r.endpoint->name() + ", " + std::string(restart_reason_name(reason)));
  if (find(r.slot, generation)) {
    r.replacement_generation = generation;
    r.recycle_reason = reason;
  }
}

void Supervisor::promote_replacements(Clock::time_point now) {
  for (auto& r : records_) {
    if (r->replacement_generation == 0 || r->phase == Record::Phase::kDraining) continue;
    Record* replacement = find(r->slot, r->replacement_generation);
    const auto step = SupervisionPolicy::recycle_step(
        replacement != nullptr, replacement && replacement->phase == Record::Phase::kReady);
    if (step == SupervisionPolicy::RecycleStep::kAbandon) {
      // It failed to start: keep serving, try again on the next check.
      r->replacement_generation = 0;
      r->recycle_reason.reset();
      continue;
    }
    if (step == SupervisionPolicy::RecycleStep::kWait) continue;
    log_.info("{} serves; draining {}", replacement->endpoint->name(), r->endpoint->name());
    router_.remove(r->endpoint.get());
    r->phase = Record::Phase::kDraining;
    r->drain_since = now;
    r->stop_reason = r->recycle_reason;
    r->process.signal(SIGTERM);
  }
}

}  // namespace nmtd::front
