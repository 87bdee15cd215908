#include "soak/report/report_html_tables.h"

#include "soak/report/latency_summary.h"
#include "soak/report/report_text.h"

namespace nmtd::soak {
namespace {

std::string count(uint64_t n) { return std::to_string(n); }

std::string share(uint64_t part, uint64_t whole) {
  if (whole == 0) return "-";
  return format_number(100.0 * static_cast<double>(part) / static_cast<double>(whole)) + "%";
}

// "OK 120, RESOURCE_EXHAUSTED 3"
std::string codes(const std::map<std::string, uint64_t>& by_code) {
  std::string out;
  for (const auto& [code, n] : by_code) {
    if (!out.empty()) out += ", ";
    out += html_escape(code) + " " + count(n);
  }
  return out;
}

std::string bullet_list(const std::vector<std::string>& items) {
  if (items.empty()) return "";
  std::string out = "<ul>";
  for (const std::string& item : items) out += "<li>" + html_escape(item) + "</li>";
  return out + "</ul>";
}

std::string time_cell(double t_s) { return format_duration(t_s); }

}  // namespace

std::string html_table(const std::vector<std::string>& headings, const std::vector<HtmlRow>& rows) {
  if (rows.empty()) return "<p class=\"none\">none</p>\n";
  std::string out = "<table>\n<thead><tr>";
  for (const std::string& h : headings) out += "<th>" + html_escape(h) + "</th>";
  out += "</tr></thead>\n<tbody>\n";
  for (const HtmlRow& row : rows) {
    out += row.css_class.empty() ? "<tr>" : "<tr class=\"" + html_escape(row.css_class) + "\">";
    for (const std::string& cell : row.cells) out += "<td>" + cell + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string slopes_table(const SoakRecord& record) {
  // Short-lived worker processes, too briefly watched to be judged alone, can number in the
  // hundreds over a long run: they go below the fold, so that the verdicts fit one screen.
  std::vector<HtmlRow> verdicts;
  std::vector<HtmlRow> workers_alone;
  for (const SlopeEntry& e : record.slopes) {
    HtmlRow row;
    std::string verdict = "not judged";
    if (e.judged && e.within_bound) verdict = "within bound";
    if (e.judged && !e.within_bound) {
      verdict = "OVER BOUND";
      row.css_class = "over";
    }
    row.cells = {html_escape(e.process),
                 e.pid > 0 ? std::to_string(e.pid) : "-",
                 html_escape(e.resource),
                 html_escape(format_rate(e.slope_per_hour, e.unit)),
                 e.slope_ci95_per_hour > 0
                     ? "± " + html_escape(format_rate(e.slope_ci95_per_hour, e.unit))
                     : "-",
                 e.bound < 0 ? "off" : html_escape(format_rate(e.bound, e.unit)),
                 format_duration(e.span_s),
                 std::to_string(e.points),
                 verdict,
                 html_escape(e.note)};
    const bool too_short_alone = !e.judged && e.role == "worker" && e.bound >= 0;
    (too_short_alone ? workers_alone : verdicts).push_back(std::move(row));
  }
  const std::vector<std::string> headings{"process",      "pid",   "resource", "slope",
                                          "95% interval", "bound", "span",     "floor points",
                                          "verdict",      "note"};
  std::string out = html_table(headings, verdicts);
  if (!workers_alone.empty())
    out += "<details>\n<summary>" + std::to_string(workers_alone.size()) +
           " entries of worker processes not judged alone (the pooled entries above judge "
           "them together)</summary>\n" +
           html_table(headings, workers_alone) + "</details>\n";
  return out;
}

std::string outcomes_table(const OutcomeTally& total) {
  std::vector<HtmlRow> rows;
  for (const auto& [code, n] : total.by_code)
    rows.push_back(
        {{html_escape(code), count(n), share(n, total.sent)}, code == "OK" ? "" : "warn"});
  return html_table({"code", "requests", "share of sent"}, rows);
}

std::string tallies_table(const std::map<std::string, OutcomeTally>& tallies,
                          const std::string& name_heading) {
  std::vector<HtmlRow> rows;
  for (const auto& [name, t] : tallies)
    rows.push_back({{html_escape(name), count(t.sent), count(t.answered), count(t.failed),
                     count(t.lost), codes(t.by_code)},
                    t.lost > 0 ? "warn" : ""});
  return html_table({name_heading, "sent", "answered", "failed", "lost", "codes"}, rows);
}

std::string restarts_table(const SoakRecord& record) {
  std::vector<HtmlRow> rows;
  uint64_t total = 0;
  for (const auto& [reason, n] : record.restarts_by_reason) {
    rows.push_back({{html_escape(reason), count(n)}, ""});
    total += n;
  }
  if (rows.size() > 1) rows.push_back({{"<b>all</b>", "<b>" + count(total) + "</b>"}, ""});
  return html_table({"reason", "restarts"}, rows);
}

std::string chaos_table(const SoakRecord& record) {
  std::vector<HtmlRow> rows;
  for (const ChaosTally& c : record.chaos)
    rows.push_back({{html_escape(c.action), count(c.done), count(c.skipped), count(c.expected),
                     count(c.unexpected), bullet_list(c.notes)},
                    c.unexpected > 0 ? "over" : ""});
  return html_table({"action", "done", "skipped", "expected", "unexpected", "notes"}, rows);
}

std::string latency_table(const SoakRecord& record) {
  const LatencyHistogram& h = record.latency;
  const LatencySummary summary = summarise_latency(h);
  std::vector<HtmlRow> rows;
  uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    std::string bucket;
    if (i < h.upper_bounds_ms.size()) {
      bucket = (i == 0 ? "0" : format_number(h.upper_bounds_ms[i - 1])) + " &ndash; " +
               format_number(h.upper_bounds_ms[i]) + " ms";
    } else {
      bucket =
          "&gt; " + format_number(h.upper_bounds_ms.empty() ? 0 : h.upper_bounds_ms.back()) + " ms";
    }
    cumulative += h.counts[i];
    rows.push_back({{bucket, count(h.counts[i]), share(h.counts[i], summary.count),
                     share(cumulative, summary.count)},
                    ""});
  }
  return html_table({"latency", "answered", "share", "cumulative"}, rows);
}

std::string latency_by_profile_table(const SoakRecord& record) {
  std::vector<HtmlRow> rows;
  for (const auto& [profile, histogram] : record.latency_by_profile) {
    const LatencySummary s = summarise_latency(histogram);
    rows.push_back({{html_escape(profile), count(s.count), format_number(s.p50_ms),
                     format_number(s.p95_ms), format_number(s.p99_ms),
                     (s.beyond_last_bound > 0 ? "&gt; " : "") + format_number(s.max_ms)},
                    ""});
  }
  std::string out =
      html_table({"profile", "answered", "p50 ms", "p95 ms", "p99 ms", "max ms"}, rows);
  if (const auto short_texts = short_text_latency(record)) {
    out += "<p>Short texts (at most 20 characters) under load: p99 " +
           format_number(short_texts->loaded.p99_ms) + " ms, " +
           format_number(short_texts->p99_ratio) + "&times; their p99 on the idle server (" +
           format_number(short_texts->unloaded.p99_ms) + " ms); p50 " +
           format_number(short_texts->loaded.p50_ms) + " ms, " +
           format_number(short_texts->p50_ratio) + "&times; (" +
           format_number(short_texts->unloaded.p50_ms) + " ms).</p>\n";
  }
  return out;
}

std::string processes_table(const SoakRecord& record) {
  std::vector<HtmlRow> rows;
  for (const WatchedProcess& p : record.processes) {
    const bool seen = !p.samples.empty();
    rows.push_back({{html_escape(p.name), html_escape(p.role),
                     p.slot >= 0 ? std::to_string(p.slot) : "-", std::to_string(p.generation),
                     std::to_string(p.pid), seen ? time_cell(p.samples.front().t_s) : "-",
                     seen ? time_cell(p.samples.back().t_s) : "-", std::to_string(p.samples.size()),
                     html_escape(p.source)},
                    ""});
  }
  return html_table({"process", "role", "slot", "generation", "pid", "first seen", "last seen",
                     "samples", "source"},
                    rows);
}

std::string events_table(const SoakRecord& record) {
  std::vector<HtmlRow> rows;
  for (const TimelineEvent& e : record.events)
    rows.push_back({{time_cell(e.t_s), html_escape(e.kind), html_escape(e.label)},
                    e.kind == "restart" ? "warn" : ""});
  return html_table({"time", "kind", "what"}, rows);
}

}  // namespace nmtd::soak
