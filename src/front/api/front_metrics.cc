#include "front/api/front_metrics.h"

#include "front/dispatch/call_outcome.h"
#include "front/dispatch/router.h"
#include "front/restart_reason.h"
#include "front/supervise/supervisor.h"
#include "monitor/resource_sample.h"

namespace nmtd::front {

namespace {

const char* const kOutcomes[] = {
    "ok",        "invalid_argument", "resource_exhausted", "deadline_exceeded",
    "cancelled", "unavailable",      "internal",           "other"};

// Latency buckets from a cache hit (well under a millisecond) to a long beam search.
std::vector<double> latency_bounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

constexpr const char* kRequestsHelp =
    "Finished translation calls (and stream messages) by API and outcome.";
constexpr const char* kDurationHelp = "Time from a call's arrival at the front to its answer.";
constexpr const char* kRestartsHelp = "Worker replacements by reason.";
constexpr const char* kUnloadsHelp =
    "Times the workers were let go after idle_unload without a call (not restarts).";

// Counters only go up: bring one to `target` (a total kept elsewhere).
void advance(metrics::Counter& counter, double target) {
  if (target > counter.value()) counter.inc(target - counter.value());
}

}  // namespace

FrontMetrics::FrontMetrics(int workers_wanted) : workers_wanted_(workers_wanted) {
  // Every series exists from the start (at 0), so that rates and alerts see no gaps.
  for (const char* api : {kNmtV1, kBaketa, kLibreTranslate}) {
    for (const char* outcome : kOutcomes) {
      auto& counter = registry_.counter("nmtd_requests_total", kRequestsHelp,
                                        {{"api", api}, {"outcome", outcome}});
      if (std::string_view(api) == kNmtV1) nmt_v1_outcomes_[outcome] = &counter;
    }
    registry_.histogram("nmtd_request_duration_seconds", kDurationHelp, latency_bounds(),
                        {{"api", api}});
  }
  for (const RestartReason reason : kRestartReasons) {
    registry_.counter("nmtd_worker_restarts_total", kRestartsHelp,
                      {{"reason", std::string(restart_reason_name(reason))}});
  }
  registry_.counter("nmtd_idle_unloads_total", kUnloadsHelp);
  retries_ = &registry_.counter("nmtd_request_retries_total",
                                "Calls sent again to another worker after theirs failed.");
}

std::string FrontMetrics::outcome_name(grpc::StatusCode code) { return front::outcome_name(code); }

void FrontMetrics::record(const std::string& api, grpc::StatusCode code,
                          std::chrono::nanoseconds took) {
  registry_
      .counter("nmtd_requests_total", kRequestsHelp,
               {{"api", api}, {"outcome", outcome_name(code)}})
      .inc();
  registry_
      .histogram("nmtd_request_duration_seconds", kDurationHelp, latency_bounds(), {{"api", api}})
      .observe(std::chrono::duration<double>(took).count());
}

grpc::StatusCode FrontMetrics::code_of_http_status(int http_status) {
  switch (http_status) {
    case 200:
      return grpc::StatusCode::OK;
    case 400:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case 429:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case 499:
      return grpc::StatusCode::CANCELLED;
    case 500:
      return grpc::StatusCode::INTERNAL;
    case 503:
      return grpc::StatusCode::UNAVAILABLE;
    case 504:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    default:
      return grpc::StatusCode::UNKNOWN;  // "other"
  }
}

void FrontMetrics::record_http(const std::string& api, int http_status,
                               std::chrono::nanoseconds took) {
  record(api, code_of_http_status(http_status), took);
}

void FrontMetrics::fill_outcomes(nmt::v1::OutcomeCounters& out) const {
  const auto n = [&](const char* outcome) {
    return static_cast<uint64_t>(nmt_v1_outcomes_.at(outcome)->value());
  };
  out.set_ok(n("ok"));
  out.set_invalid_argument(n("invalid_argument"));
  out.set_resource_exhausted(n("resource_exhausted"));
  out.set_deadline_exceeded(n("deadline_exceeded"));
  out.set_cancelled(n("cancelled"));
  out.set_unavailable(n("unavailable"));
  out.set_internal(n("internal"));
}

void FrontMetrics::refresh(const Supervisor& supervisor, const Router& router) {
  auto& r = registry_;
  const double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  r.gauge("nmtd_uptime_seconds", "Seconds since the front started.").set(uptime);
  r.gauge("nmtd_held_texts", "Texts the front holds while no worker takes work.")
      .set(static_cast<double>(router.held_texts()));
  r.gauge("nmtd_hold_capacity_texts", "Bound of the front's hold queue.")
      .set(static_cast<double>(router.hold_capacity()));
  r.gauge("nmtd_workers_wanted", "Workers the front keeps running.").set(workers_wanted_);
  r.gauge("nmtd_workers_ready", "Workers taking new calls now.").set(router.accepting_workers());
  const IdleUnloadState idle = supervisor.idle_unload_state();
  r.gauge("nmtd_workers_unloaded",
          "1 while the workers are unloaded for idleness (the next call starts one), else 0.")
      .set(idle.unloaded ? 1 : 0);
  advance(r.counter("nmtd_idle_unloads_total", kUnloadsHelp), static_cast<double>(idle.unloads));
  if (idle.last_wake)
    r.gauge("nmtd_last_wake_seconds",
            "How long the latest wake after an idle unload took: first call held to a worker "
            "serving it.")
        .set(std::chrono::duration<double>(*idle.last_wake).count());
  for (const auto& [reason, n] : supervisor.restarts_by_reason())
    advance(r.counter("nmtd_worker_restarts_total", kRestartsHelp, {{"reason", reason}}),
            static_cast<double>(n));
  const auto front = monitor::read_resources(nullptr);
  r.gauge("nmtd_front_rss_bytes", "Resident memory of the front.")
      .set(static_cast<double>(front.rss_bytes));
  r.gauge("nmtd_front_open_fds", "Open file descriptors of the front.").set(front.open_fds);
  r.gauge("nmtd_front_threads", "Threads of the front.").set(front.threads);

  double queue = 0, hits = 0, misses = 0;
  for (const auto& w : supervisor.snapshot()) {
    if (!w.status) continue;
    const metrics::Labels slot = {{"slot", std::to_string(w.slot)}};
    const auto& res = w.status->resources();
    r.gauge("nmtd_worker_rss_bytes", "Resident memory of the worker in a slot.", slot)
        .set(static_cast<double>(res.rss_bytes()));
    r.gauge("nmtd_worker_open_fds", "Open file descriptors of the worker in a slot.", slot)
        .set(res.open_fds());
    r.gauge("nmtd_worker_threads", "Threads of the worker in a slot.", slot).set(res.threads());
    r.gauge("nmtd_worker_gpu_memory_used_bytes",
            "GPU memory used on the worker's device (0 without a GPU).", slot)
        .set(static_cast<double>(res.gpu_used_bytes()));
    r.gauge("nmtd_worker_queue_depth", "Texts waiting for the engine in a slot's worker.", slot)
        .set(w.status->queue_depth());
    queue += w.status->queue_depth();
    hits += static_cast<double>(w.status->cache().hits());
    misses += static_cast<double>(w.status->cache().misses());
  }
  r.gauge("nmtd_queue_depth", "Texts waiting: held by the front plus queued in workers.")
      .set(queue + static_cast<double>(router.held_texts()));
  r.gauge("nmtd_cache_hits", "Translation cache hits of the running workers (since their start).")
      .set(hits);
  r.gauge("nmtd_cache_misses",
          "Translation cache misses of the running workers (since their start).")
      .set(misses);
}

std::string FrontMetrics::render(const Supervisor& supervisor, const Router& router) {
  refresh(supervisor, router);
  return registry_.render();
}

}  // namespace nmtd::front
