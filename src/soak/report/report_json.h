#pragma once
// The machine-readable report (report.json) and the writing of both report files.
//
// report.json, top level (times in seconds since the soak started, latencies in ms):
//   "format": "nmtd-soak-report/1"
//   "passed": bool (no failures), "failures": [string]
//   "sent", "answered", "failed", "lost": the totals (sent == answered + failed + lost)
//   "outcomes": {code: count}                        every request's code, "OK" included
//   "by_profile", "by_api": {name: {"sent", "answered", "failed", "lost", "by_code"}}
//   "latency": {"count", "p50_ms", "p95_ms", "p99_ms", "max_ms" (null without answers),
//               "beyond_last_bound", "histogram": {"upper_bounds_ms", "counts"},
//               "over_time": [{"t_s", "count", "p50_ms", "p95_ms", "p99_ms"}]}
//   "slopes": [{"process", "role", "pid", "resource", "unit", "slope_per_hour",
//               "slope_stderr_per_hour", "slope_ci95_per_hour" (half-width; 0: no residual
//               freedom), "bound" (null: check off), "span_s", "points", "judged",
//               "within_bound", "note"}]
//   "restarts_by_reason": {reason: count}, "retries", "crash_reports", "keepalive_reconnects"
//   "chaos": [{"action", "done", "skipped", "expected", "unexpected", "notes"}]
//   "events": [{"t_s", "kind", "label"}]
//   "processes": [{"name", "role", "slot", "generation", "pid", "source", "first_seen_s",
//                  "last_seen_s" (null without samples), "sample_columns", "samples"}]
//       samples are arrays in the order of sample_columns: t_s, rss_bytes, open_fds,
//       threads (-1: unknown), gpu_used_bytes (null: no reading)
//   "settings": {"nmtd_version", "started_at_utc", "server", "model", "started_server",
//                "seed", "planned_duration_s", "duration_s", "chaos_every_s" (0: no chaos),
//                "sample_every_s", "profiles", "chaos_actions",
//                "chaos_spared_slot" (null: signals may hit any worker),
//                "slopes": {"warmup_s", "floor_window_s", "min_span_s",
//                           "bounds": {"rss_mib_per_hour", "gpu_mib_per_hour",
//                                      "fds_per_hour", "threads_per_hour"} (null: off)}}
#include <filesystem>
#include <nlohmann/json.hpp>

#include "soak/report/soak_record.h"

namespace nmtd::soak {

nlohmann::json report_to_json(const SoakRecord& record);

// Writes dir/report.json (2-space indented) and dir/report.html, creating dir. Each file is
// written under a temporary name and renamed, so that a reader never sees half a report.
// Throws IoError naming the path that could not be written.
void write_report(const std::filesystem::path& dir, const SoakRecord& record);

}  // namespace nmtd::soak
