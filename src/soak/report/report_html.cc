#include "soak/report/report_html.h"

#include <string_view>

#include "soak/report/latency_summary.h"
#include "soak/report/report_html_tables.h"
#include "soak/report/report_plots.h"
#include "soak/report/report_text.h"
#include "soak/report/svg_chart.h"

namespace nmtd::soak {
namespace {

// System fonts only: the file must render the same offline as online.
constexpr std::string_view kStyle = R"(
body{font-family:system-ui,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;
background:#fafafa;max-width:1000px;margin:0 auto;padding:16px}
h1{font-size:1.45em;margin:0.2em 0 0.6em}
h2{font-size:1.15em;border-bottom:1px solid #ddd;padding-bottom:2px;margin-top:1.8em}
h3{font-size:1em;margin:1.2em 0 0.3em}
.banner{padding:12px 16px;border-radius:6px;color:#fff;font-size:1.2em;font-weight:bold}
.banner ul{font-size:0.85em;font-weight:normal;margin:6px 0 0;padding-left:1.4em}
.pass{background:#2e7d32}
.fail{background:#c62828}
table{border-collapse:collapse;margin:6px 0;font-size:0.9em;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top;
white-space:nowrap}
td:last-child{white-space:normal}
summary{cursor:pointer;margin:6px 0}
th{background:#f0f0f0}
td ul{margin:0;padding-left:1.2em}
tr.over td{background:#fdecea;color:#b71c1c;font-weight:bold}
tr.warn td{background:#fff8e1}
dl.summary{display:grid;grid-template-columns:max-content auto;gap:3px 18px;margin:0}
dl.summary dt{color:#555}
dl.summary dd{margin:0}
svg.chart{display:block;max-width:100%;height:auto;margin:10px 0;background:#fff;
border:1px solid #e4e4e4}
.none{color:#777;font-style:italic}
.method{color:#555;font-size:0.9em}
)";

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : ", ") + item;
  return out.empty() ? "none" : out;
}

std::string banner(const SoakRecord& r) {
  const std::string so_far = r.finished ? "" : " so far (the soak is still running)";
  if (r.failures.empty()) return "<div class=\"banner pass\">PASS" + so_far + "</div>\n";
  std::string out = "<div class=\"banner fail\">FAIL" + so_far + ": " +
                    std::to_string(r.failures.size()) +
                    (r.failures.size() == 1 ? " problem" : " problems") + "\n<ul>\n";
  for (const std::string& f : r.failures) out += "<li>" + html_escape(f) + "</li>\n";
  return out + "</ul></div>\n";
}

void definition(std::string& out, std::string_view term, const std::string& text) {
  out += "<dt>" + std::string(term) + "</dt><dd>" + html_escape(text) + "</dd>\n";
}

std::string share_text(uint64_t part, uint64_t whole) {
  std::string out = std::to_string(part);
  if (whole > 0)
    out +=
        " (" + format_number(100.0 * static_cast<double>(part) / static_cast<double>(whole)) + "%)";
  return out;
}

std::string chaos_text(const SoakRecord& r) {
  if (r.chaos_every_s <= 0) return "off";
  return "every " + format_duration(r.chaos_every_s) + ": " + join(r.chaos_actions);
}

std::string summary(const SoakRecord& r) {
  const LatencySummary latency = summarise_latency(r.latency);
  uint64_t restarts = 0;
  for (const auto& [reason, n] : r.restarts_by_reason) restarts += n;
  std::string out = "<dl class=\"summary\">\n";
  definition(out, "sent", std::to_string(r.total.sent));
  definition(out, "answered", share_text(r.total.answered, r.total.sent));
  definition(out, "failed (clear refusals)", share_text(r.total.failed, r.total.sent));
  definition(out, "lost (no usable answer)", share_text(r.total.lost, r.total.sent));
  definition(out, "latency p50 / p95 / p99 / max",
             latency.count == 0
                 ? "no answers"
                 : format_number(latency.p50_ms) + " / " + format_number(latency.p95_ms) + " / " +
                       format_number(latency.p99_ms) + " / " +
                       (latency.beyond_last_bound > 0 ? "> " : "") + format_number(latency.max_ms) +
                       " ms");
  definition(
      out, "duration",
      format_duration(r.duration_s) + " (planned " + format_duration(r.planned_duration_s) + ")");
  definition(out, "started", r.started_at_utc.empty() ? "-" : r.started_at_utc);
  definition(out, "seed", std::to_string(r.seed));
  definition(out, "server",
             r.server + (r.started_server ? " (started by the soak)" : " (attached)"));
  definition(out, "model", r.model.empty() ? "- (attached to a running server)" : r.model);
  definition(out, "profiles", join(r.profiles));
  definition(out, "chaos", chaos_text(r));
  definition(out, "worker restarts", std::to_string(restarts));
  definition(out, "retries by the front", std::to_string(r.retries));
  definition(out, "crash reports archived", std::to_string(r.crash_reports));
  definition(out, "keep-alive reconnects", std::to_string(r.keepalive_reconnects));
  if (r.idle_unload_s > 0) {
    definition(
        out, "idle unloads",
        std::to_string(r.idle_unloads) + " (after " +
            std::to_string(static_cast<int64_t>(r.idle_unload_s)) + " s idle); longest wake seen " +
            (r.longest_wake_ms < 0 ? std::string("-") : std::to_string(r.longest_wake_ms) + " ms"));
  }
  definition(out, "nmtd version", r.nmtd_version.empty() ? "-" : r.nmtd_version);
  return out + "</dl>\n";
}

std::string plots(const SoakRecord& r) {
  std::string out = render_line_chart(resource_chart(r, "rss_mib"));
  if (has_gpu_readings(r)) {
    out += render_line_chart(resource_chart(r, "gpu_mib"));
  } else {
    out += "<p class=\"none\">No GPU memory readings (no GPU in use, or none reported).</p>\n";
  }
  out += render_line_chart(resource_chart(r, "fds"));
  out += render_line_chart(resource_chart(r, "threads"));
  return out;
}

std::string bound_text(double bound, std::string_view unit) {
  return bound < 0 ? "off" : format_rate(bound, unit);
}

std::string settings_table(const SoakRecord& r) {
  const SlopeSettings& s = r.slope_settings;
  const std::vector<std::pair<std::string, std::string>> settings{
      {"nmtd version", r.nmtd_version},
      {"started at (UTC)", r.started_at_utc},
      {"server", r.server},
      {"model", r.model},
      {"server started by the soak", r.started_server ? "yes" : "no"},
      {"seed", std::to_string(r.seed)},
      {"planned duration", format_duration(r.planned_duration_s)},
      {"duration", format_duration(r.duration_s)},
      {"chaos interval", r.chaos_every_s > 0 ? format_duration(r.chaos_every_s) : "off"},
      {"chaos actions", join(r.chaos_actions)},
      {"worker slot spared by signals",
       r.chaos_spared_slot >= 0 ? std::to_string(r.chaos_spared_slot) : "none"},
      {"sampling interval", format_duration(r.sample_every_s)},
      {"profiles", join(r.profiles)},
      {"slope warm-up", format_duration(s.warmup_s)},
      {"slope floor window", format_duration(s.floor_window_s)},
      {"slope minimum span", format_duration(s.min_span_s)},
      {"RSS bound", bound_text(s.bounds.rss_mib_per_hour, "MiB/h")},
      {"GPU memory bound", bound_text(s.bounds.gpu_mib_per_hour, "MiB/h")},
      {"open fds bound", bound_text(s.bounds.fds_per_hour, "1/h")},
      {"threads bound", bound_text(s.bounds.threads_per_hour, "1/h")},
  };
  std::vector<HtmlRow> rows;
  for (const auto& [name, value] : settings) rows.push_back({{name, html_escape(value)}, ""});
  return html_table({"setting", "value"}, rows);
}

std::string method_note(const SlopeSettings& s) {
  return "<p class=\"method\">Each process's readings from its first " +
         format_duration(s.warmup_s) +
         " are left out (warm-up); the rest are cut into windows of " +
         format_duration(s.floor_window_s) +
         ", each represented by its minimum (the floor: transient use by requests in flight is "
         "not growth, a leak lifts the floor), and the slope is the least-squares fit through "
         "those floors. A process watched for less than " +
         format_duration(s.min_span_s) +
         " after warm-up is not judged alone; the pooled worker entry fits all worker "
         "processes together, each about its own mean, so restarts neither hide nor fake "
         "growth.</p>\n";
}

}  // namespace

std::string render_html_report(const SoakRecord& r) {
  const std::string verdict = r.failures.empty() ? "PASS" : "FAIL";
  std::string out;
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>nmtd soak report: " + verdict + "</title>\n<style>" + std::string(kStyle) +
         "</style>\n</head>\n<body>\n";
  out += "<h1>nmtd soak report</h1>\n" + banner(r);
  out += "<h2>Summary</h2>\n" + summary(r);
  out += "<h2>Resources per process</h2>\n" + plots(r);
  out += "<h2>Growth after warm-up</h2>\n" + method_note(r.slope_settings) + slopes_table(r);
  out += "<h2>Latency</h2>\n" + render_line_chart(latency_chart(r));
  out += "<h3>By load profile</h3>\n" + latency_by_profile_table(r);
  out += "<h3>Histogram of answered requests</h3>\n" + latency_table(r);
  out += "<h2>Requests</h2>\n<h3>Outcomes by code</h3>\n" + outcomes_table(r.total);
  out += "<h3>By load profile</h3>\n" + tallies_table(r.by_profile, "profile");
  out += "<h3>By API</h3>\n" + tallies_table(r.by_api, "API");
  out += "<h2>Restarts</h2>\n" + restarts_table(r);
  out +=
      "<p>Calls the front sent again: " + std::to_string(r.retries) +
      ". Crash reports archived: " + std::to_string(r.crash_reports) +
      ". Idle connections that dropped and reconnected: " + std::to_string(r.keepalive_reconnects) +
      ".</p>\n";
  out += "<h2>Chaos actions</h2>\n<p>" + html_escape(chaos_text(r)) + "</p>\n" + chaos_table(r);
  out += "<h2>Processes watched</h2>\n" + processes_table(r);
  out += "<h2>Events</h2>\n<details>\n<summary>" + std::to_string(r.events.size()) +
         " events</summary>\n" + events_table(r) + "</details>\n";
  out += "<h2>Settings</h2>\n" + settings_table(r);
  out += "</body>\n</html>\n";
  return out;
}

}  // namespace nmtd::soak
