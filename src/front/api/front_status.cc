#include "front/api/front_status.h"

#include <unistd.h>

#include "monitor/resource_sample.h"

namespace nmtd::front {

void fill_status(const StatusSources& sources, nmt::v1::GetStatusResponse& r) {
  const auto& c = sources.config;
  r.set_role("front");
  r.set_version(NMTD_VERSION);
  r.set_model_path(c.model_dir.string());
  r.set_device("cpu");
  r.set_compute_type(c.worker.compute_type);
  r.set_threads(c.worker.threads);
  r.set_pid(::getpid());
  r.set_uptime_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - sources.started)
                      .count());
  const int ready = sources.router.accepting_workers();
  const IdleUnloadState idle = sources.supervisor.idle_unload_state();
  r.set_state(sources.forwarder.draining() ? "draining"
              : ready > 0                  ? "serving"
              : idle.waking                ? "waking"
              : idle.unloaded              ? "unloaded"
                                           : "starting");
  r.set_idle_unload_ms(c.idle_unload.count());
  r.set_idle_unloads(idle.unloads);
  if (idle.last_wake) r.set_last_wake_ms(idle.last_wake->count());
  r.set_workers_wanted(c.workers);
  r.set_workers_ready(ready);
  r.set_retries(sources.metrics.retries());
  sources.metrics.fill_outcomes(*r.mutable_requests());

  int64_t queue = static_cast<int64_t>(sources.router.held_texts());
  int64_t capacity = static_cast<int64_t>(sources.router.hold_capacity());
  uint64_t translated = 0, batches = 0, expired = 0, cancelled = 0, refused_late = 0;
  nmt::v1::CacheStatus cache;
  for (const auto& w : sources.supervisor.snapshot()) {
    auto* ws = r.add_workers();
    ws->set_slot(w.slot);
    ws->set_generation(w.generation);
    ws->set_pid(w.pid);
    ws->set_phase(w.phase);
    ws->set_age_ms(w.age.count());
    ws->set_outstanding(w.outstanding);
    ws->set_accepting(w.accepting);
    if (!w.status) continue;
    *ws->mutable_status() = *w.status;
    const auto& s = *w.status;
    queue += s.queue_depth();
    capacity += s.queue_capacity();
    translated += s.texts_translated();
    batches += s.batches();
    expired += s.texts_expired();
    cancelled += s.texts_cancelled();
    refused_late += s.calls_refused_late();
    cache.set_entries(cache.entries() + s.cache().entries());
    cache.set_bytes(cache.bytes() + s.cache().bytes());
    cache.set_capacity_bytes(cache.capacity_bytes() + s.cache().capacity_bytes());
    cache.set_hits(cache.hits() + s.cache().hits());
    cache.set_misses(cache.misses() + s.cache().misses());
    cache.set_evictions(cache.evictions() + s.cache().evictions());
    if (r.kernel_isa().empty()) r.set_kernel_isa(s.kernel_isa());
    if (r.compute_type() == "default") r.set_compute_type(s.compute_type());
  }
  r.set_queue_depth(static_cast<int32_t>(queue));
  r.set_queue_capacity(static_cast<int32_t>(capacity));
  r.set_texts_translated(translated);
  r.set_batches(batches);
  r.set_texts_expired(expired);
  r.set_texts_cancelled(cancelled);
  r.set_calls_refused_late(refused_late);
  *r.mutable_cache() = cache;

  const auto own = monitor::read_resources(nullptr);
  auto* res = r.mutable_resources();
  res->set_unix_time_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(own.at.time_since_epoch()).count());
  res->set_rss_bytes(own.rss_bytes);
  res->set_peak_rss_bytes(own.peak_rss_bytes);
  res->set_open_fds(own.open_fds);
  res->set_threads(own.threads);
  for (const auto& [reason, n] : sources.supervisor.restarts_by_reason())
    (*r.mutable_restarts_by_reason())[reason] = n;
  if (sources.archive) {
    for (const auto& c : sources.archive->recent()) {
      auto* cr = r.add_crash_reports();
      cr->set_id(c.id);
      cr->set_worker(c.worker);
      cr->set_stored_at_unix_s(c.stored_at);
      cr->set_signal(c.signal_name);
      cr->set_crashed_in(c.crashed_in);
      cr->set_uncaught_exception(c.uncaught_exception);
      cr->set_symbolized(c.symbolized);
    }
  }
}

}  // namespace nmtd::front
