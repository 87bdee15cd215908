// Idle unload (serve --idle-unload): letting every worker go once the pool has been idle, and
// starting them again for the call that finds them gone. The router keeps the idle clock and
// holds that call; SupervisionPolicy decides when; this carries it out.
#include <signal.h>

#include <algorithm>

#include "front/supervise/supervisor.h"
#include "front/supervise/supervisor_record.h"

namespace nmtd::front {

namespace {

std::chrono::milliseconds since(std::chrono::steady_clock::time_point from,
                                std::chrono::steady_clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - from);
}

}  // namespace

void Supervisor::unload_if_idle(Clock::time_point now) {
  if (!policy_.unloads() || stopping_ || wake_since_) return;
  SupervisionPolicy::IdleObservation seen;
  seen.settled =
      records_.size() == slots_.size() &&
      std::all_of(records_.begin(), records_.end(),
                  [](const auto& r) {
                    return r->phase == Record::Phase::kReady && !r->abort_sent &&
                           r->replacement_generation == 0 && r->endpoint->accepting &&
                           !r->endpoint->suspect;
                  }) &&
      std::none_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.start_at; });
  seen.busy = std::any_of(records_.begin(), records_.end(),
                          [](const auto& r) { return r->endpoint->outstanding > 0; });
  // A call in flight is activity: the idle time starts when the last one ends.
  if (seen.busy) router_.note_activity(now);
  if (!seen.settled) return;
  // The router decides under its lock, so no call can pick a worker between the check and
  // the workers leaving its rotation.
  const bool unloaded = router_.unload_if([&](Clock::time_point last_activity) {
    seen.last_activity = last_activity;
    return policy_.unload_due(seen, now);
  });
  if (!unloaded) return;
  log_.info("no call for {} ms: unloading {} worker(s); the next call starts them again",
            since(seen.last_activity, now).count(), records_.size());
  for (auto& r : records_) {
    r->unloaded = true;
    r->phase = Record::Phase::kDraining;
    r->drain_since = now;
    r->process.signal(SIGTERM);
  }
  std::lock_guard lock(published_mutex_);
  ++idle_.unloads;
}

void Supervisor::wake(Clock::time_point now) {
  if (stopping_ || wake_since_ || !router_.unloaded()) return;  // woken already, or stopping
  wake_since_ = now;
  log_.info("a call arrived while the workers were unloaded: starting {} worker(s)", slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].start_at) continue;
    slots_[i].start_at = now;
    slots_[i].start_why = "woken by a call after an idle unload";
  }
}

void Supervisor::on_serving(Record& r, Clock::time_point now) {
  if (!wake_since_) return;
  const auto took = since(*wake_since_, now);
  wake_since_.reset();
  log_.info("{} serves the held calls: woken {} ms after the first call arrived",
            r.endpoint->name(), took.count());
  std::lock_guard lock(published_mutex_);
  idle_.last_wake = took;
}

void Supervisor::on_wake_failed(const Record& r) {
  if (!wake_since_) return;
  // The wake is over: the slot restarts after its back-off as after any failure, and health
  // says what is true now (no worker, none sure to come).
  wake_since_.reset();
  router_.set_unloaded(false);
  log_.error("{} failed to start after an idle unload: the usual restart and back-off apply",
             r.endpoint->name());
}

}  // namespace nmtd::front
