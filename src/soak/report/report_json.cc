#include "soak/report/report_json.h"

#include <string_view>

#include "common/atomic_file.h"
#include "common/error.h"
#include "soak/report/latency_summary.h"
#include "soak/report/report_html.h"

namespace nmtd::soak {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A negative bound means the check is off: null says so without a magic number.
json bound_json(double bound) { return bound < 0 ? json(nullptr) : json(bound); }

json tally_json(const OutcomeTally& t) {
  return {{"sent", t.sent},
          {"answered", t.answered},
          {"failed", t.failed},
          {"lost", t.lost},
          {"by_code", t.by_code}};
}

json tallies_json(const std::map<std::string, OutcomeTally>& tallies) {
  json out = json::object();
  for (const auto& [name, tally] : tallies) out[name] = tally_json(tally);
  return out;
}

json summary_json(const LatencySummary& s) {
  const auto value = [&](double ms) { return s.count == 0 ? json(nullptr) : json(ms); };
  return {{"count", s.count},
          {"p50_ms", value(s.p50_ms)},
          {"p95_ms", value(s.p95_ms)},
          {"p99_ms", value(s.p99_ms)},
          {"max_ms", value(s.max_ms)}};
}

json latency_by_profile_json(const SoakRecord& r) {
  json out = json::object();
  for (const auto& [profile, histogram] : r.latency_by_profile)
    out[profile] = summary_json(summarise_latency(histogram));
  return out;
}

json short_texts_json(const SoakRecord& r) {
  const auto s = short_text_latency(r);
  if (!s) return nullptr;
  return {{"unloaded", summary_json(s->unloaded)},
          {"loaded", summary_json(s->loaded)},
          {"p99_loaded_over_unloaded", s->p99_ratio},
          {"p50_loaded_over_unloaded", s->p50_ratio}};
}

json latency_json(const SoakRecord& r) {
  const LatencySummary s = summarise_latency(r.latency);
  const auto value = [&](double ms) { return s.count == 0 ? json(nullptr) : json(ms); };
  json over_time = json::array();
  for (const LatencyPoint& p : r.latency_over_time)
    over_time.push_back({{"t_s", p.t_s},
                         {"count", p.count},
                         {"p50_ms", p.p50_ms},
                         {"p95_ms", p.p95_ms},
                         {"p99_ms", p.p99_ms}});
  return {
      {"count", s.count},
      {"p50_ms", value(s.p50_ms)},
      {"p95_ms", value(s.p95_ms)},
      {"p99_ms", value(s.p99_ms)},
      {"max_ms", value(s.max_ms)},
      {"beyond_last_bound", s.beyond_last_bound},
      {"histogram", {{"upper_bounds_ms", r.latency.upper_bounds_ms}, {"counts", r.latency.counts}}},
      {"over_time", std::move(over_time)}};
}

json slope_json(const SlopeEntry& e) {
  return {{"process", e.process},
          {"role", e.role},
          {"pid", e.pid},
          {"resource", e.resource},
          {"unit", e.unit},
          {"slope_per_hour", e.slope_per_hour},
          {"slope_stderr_per_hour", e.slope_stderr_per_hour},
          {"slope_ci95_per_hour", e.slope_ci95_per_hour},
          {"bound", bound_json(e.bound)},
          {"span_s", e.span_s},
          {"points", e.points},
          {"judged", e.judged},
          {"within_bound", e.within_bound},
          {"note", e.note}};
}

json process_json(const WatchedProcess& p) {
  // Compact rows: a day-long run holds tens of thousands of samples per process.
  json samples = json::array();
  for (const ProcessSample& s : p.samples)
    samples.push_back({s.t_s, s.rss_bytes, s.open_fds, s.threads,
                       s.gpu_used_bytes ? json(*s.gpu_used_bytes) : json(nullptr)});
  const bool seen = !p.samples.empty();
  return {{"name", p.name},
          {"role", p.role},
          {"slot", p.slot},
          {"generation", p.generation},
          {"pid", p.pid},
          {"source", p.source},
          {"first_seen_s", seen ? json(p.samples.front().t_s) : json(nullptr)},
          {"last_seen_s", seen ? json(p.samples.back().t_s) : json(nullptr)},
          {"sample_columns", {"t_s", "rss_bytes", "open_fds", "threads", "gpu_used_bytes"}},
          {"samples", std::move(samples)}};
}

json settings_json(const SoakRecord& r) {
  const SlopeSettings& s = r.slope_settings;
  return {{"nmtd_version", r.nmtd_version},
          {"started_at_utc", r.started_at_utc},
          {"server", r.server},
          {"model", r.model},
          {"started_server", r.started_server},
          {"seed", r.seed},
          {"planned_duration_s", r.planned_duration_s},
          {"duration_s", r.duration_s},
          {"chaos_every_s", r.chaos_every_s},
          {"sample_every_s", r.sample_every_s},
          {"profiles", r.profiles},
          {"chaos_actions", r.chaos_actions},
          {"chaos_spared_slot", r.chaos_spared_slot >= 0 ? json(r.chaos_spared_slot) : json()},
          {"slopes",
           {{"warmup_s", s.warmup_s},
            {"floor_window_s", s.floor_window_s},
            {"min_span_s", s.min_span_s},
            {"bounds",
             {{"rss_mib_per_hour", bound_json(s.bounds.rss_mib_per_hour)},
              {"gpu_mib_per_hour", bound_json(s.bounds.gpu_mib_per_hour)},
              {"fds_per_hour", bound_json(s.bounds.fds_per_hour)},
              {"threads_per_hour", bound_json(s.bounds.threads_per_hour)}}}}}};
}

}  // namespace

json report_to_json(const SoakRecord& r) {
  json slopes = json::array();
  for (const SlopeEntry& e : r.slopes) slopes.push_back(slope_json(e));
  json chaos = json::array();
  for (const ChaosTally& c : r.chaos)
    chaos.push_back({{"action", c.action},
                     {"done", c.done},
                     {"skipped", c.skipped},
                     {"expected", c.expected},
                     {"unexpected", c.unexpected},
                     {"notes", c.notes}});
  json events = json::array();
  for (const TimelineEvent& e : r.events)
    events.push_back({{"t_s", e.t_s}, {"kind", e.kind}, {"label", e.label}});
  json processes = json::array();
  for (const WatchedProcess& p : r.processes) processes.push_back(process_json(p));

  json out = json::object();
  out["format"] = "nmtd-soak-report/1";
  out["finished"] = r.finished;
  out["passed"] = r.failures.empty();
  out["failures"] = r.failures;
  out["sent"] = r.total.sent;
  out["answered"] = r.total.answered;
  out["failed"] = r.total.failed;
  out["lost"] = r.total.lost;
  out["outcomes"] = r.total.by_code;
  out["by_profile"] = tallies_json(r.by_profile);
  out["by_api"] = tallies_json(r.by_api);
  out["latency"] = latency_json(r);
  out["latency_by_profile"] = latency_by_profile_json(r);
  out["short_texts"] = short_texts_json(r);
  out["slopes"] = std::move(slopes);
  out["restarts_by_reason"] = r.restarts_by_reason;
  out["retries"] = r.retries;
  out["crash_reports"] = r.crash_reports;
  out["keepalive_reconnects"] = r.keepalive_reconnects;
  out["idle_unload_s"] = r.idle_unload_s;
  out["idle_unloads"] = r.idle_unloads;
  out["longest_wake_ms"] = r.longest_wake_ms;
  out["chaos"] = std::move(chaos);
  out["events"] = std::move(events);
  out["processes"] = std::move(processes);
  out["settings"] = settings_json(r);
  return out;
}

void write_report(const fs::path& dir, const SoakRecord& record) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw IoError("cannot create report directory " + dir.string() + ": " + ec.message());
  // Strings the server sent back (chaos notes) may hold broken UTF-8: replace, never throw.
  write_file_atomically(
      dir / "report.json",
      report_to_json(record).dump(2, ' ', false, json::error_handler_t::replace) + "\n");
  write_file_atomically(dir / "report.html", render_html_report(record));
}

}  // namespace nmtd::soak
