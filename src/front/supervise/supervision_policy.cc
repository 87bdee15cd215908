#include "front/supervise/supervision_policy.h"

#include <cstdint>

namespace nmtd::front {

namespace {

std::chrono::milliseconds since(std::chrono::steady_clock::time_point from,
                                std::chrono::steady_clock::time_point now) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(now - from);
}

}  // namespace

bool SupervisionPolicy::start_timed_out(Clock::time_point started, Clock::time_point now) const {
  return since(started, now) > supervision_.start_timeout;
}

SupervisionPolicy::HealthCount SupervisionPolicy::on_health(int misses_before, bool serving) const {
  if (serving) return {};
  const int misses = misses_before + 1;
  return {misses, misses >= supervision_.health_misses};
}

bool SupervisionPolicy::canary_counts(
    bool timed_out, const std::optional<nmt::v1::GetStatusResponse>& latest_status) {
  const bool engine_busy =
      latest_status && latest_status->engine_call_ms() > 0 && !latest_status->engine_stalled();
  return !(timed_out && engine_busy);
}

std::optional<SupervisionPolicy::Verdict> SupervisionPolicy::judge_status(
    const nmt::v1::GetStatusResponse& status) const {
  using Act = Verdict::Act;
  if (status.engine_stalled()) {
    return Verdict{
        Act::kAbort, RestartReason::kStalled,
        "its engine call made no progress for " + std::to_string(status.engine_no_progress_ms()) +
            " ms (watchdog; the call has run " + std::to_string(status.engine_call_ms()) + " ms)"};
  }
  const auto& res = status.resources();
  constexpr int64_t kMiB = 1 << 20;
  if (limits_.rss_mib > 0 && res.rss_bytes() > int64_t{limits_.rss_mib} * kMiB) {
    return Verdict{Act::kRecycle, RestartReason::kRss,
                   "RSS " + std::to_string(res.rss_bytes() / kMiB) +
                       " MiB is over the soft limit of " + std::to_string(limits_.rss_mib) +
                       " MiB"};
  }
  if (limits_.open_fds > 0 && res.open_fds() > limits_.open_fds)
    return Verdict{Act::kRecycle, RestartReason::kFds,
                   std::to_string(res.open_fds()) + " open fds, over the soft limit"};
  if (limits_.threads > 0 && res.threads() > limits_.threads)
    return Verdict{Act::kRecycle, RestartReason::kThreads,
                   std::to_string(res.threads()) + " threads, over the soft limit"};
  if (limits_.gpu_memory_percent > 0 && res.gpu_available() && res.gpu_total_bytes() > 0 &&
      100.0 * static_cast<double>(res.gpu_used_bytes()) /
              static_cast<double>(res.gpu_total_bytes()) >
          limits_.gpu_memory_percent)
    return Verdict{Act::kRecycle, RestartReason::kGpuMemory, "GPU memory over the soft limit"};
  return std::nullopt;
}

std::optional<SupervisionPolicy::Verdict> SupervisionPolicy::judge_age(
    Clock::time_point started, Clock::time_point now) const {
  const auto age = supervision_.recycle_age;
  if (age.count() <= 0 || since(started, now) < age) return std::nullopt;
  return Verdict{Verdict::Act::kRecycle, RestartReason::kAge,
                 "it reached the recycle age of " + std::to_string(age.count()) + " ms"};
}

bool SupervisionPolicy::kill_after_abort(Clock::time_point abort_sent,
                                         Clock::time_point now) const {
  return now - abort_sent >= supervision_.kill_grace;
}

bool SupervisionPolicy::kill_draining(Clock::time_point drain_since, Clock::time_point now) const {
  return since(drain_since, now) > drain_timeout_ + kDrainGrace;
}

SupervisionPolicy::ExitPlan SupervisionPolicy::on_exit(const ExitObservation& exit,
                                                       Clock::time_point now,
                                                       RestartBackoff& backoff) const {
  ExitPlan plan;
  plan.reason =
      exit.stop_reason.value_or(exit.signaled ? RestartReason::kCrash : RestartReason::kExit);
  plan.planned = restart_was_planned(plan.reason);
  if (exit.stopping) return plan;
  if (exit.unloaded) {
    // However it ended once told to go (a crash while draining included): it was leaving.
    plan.planned = true;
    plan.unloaded = true;
    return plan;
  }
  plan.counted = true;
  if (exit.slot_covered) return plan;  // a replacement already holds the slot
  const auto healthy_for = exit.ready_since ? since(*exit.ready_since, now) : ms(0);
  plan.restart_in = plan.planned ? ms(0) : backoff.on_failure(healthy_for);
  return plan;
}

SupervisionPolicy::RecycleStep SupervisionPolicy::recycle_step(bool replacement_alive,
                                                               bool replacement_ready) {
  if (!replacement_alive) return RecycleStep::kAbandon;
  return replacement_ready ? RecycleStep::kDrainOld : RecycleStep::kWait;
}

bool SupervisionPolicy::unload_due(const IdleObservation& seen, Clock::time_point now) const {
  if (!unloads() || !seen.settled || seen.busy) return false;
  return since(seen.last_activity, now) >= idle_unload_;
}

}  // namespace nmtd::front
