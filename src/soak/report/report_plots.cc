#include "soak/report/report_plots.h"

#include <algorithm>
#include <limits>
#include <string>
#include <tuple>

namespace nmtd::soak {
namespace {

constexpr double kBytesPerMiB = 1024.0 * 1024.0;
constexpr double kGap = std::numeric_limits<double>::quiet_NaN();

// Unknown readings are gaps in the line, not zeros.
double reading(const ProcessSample& s, std::string_view resource) {
  if (resource == "rss_mib")
    return s.rss_bytes > 0 ? static_cast<double>(s.rss_bytes) / kBytesPerMiB : kGap;
  if (resource == "gpu_mib")
    return s.gpu_used_bytes ? static_cast<double>(*s.gpu_used_bytes) / kBytesPerMiB : kGap;
  if (resource == "fds") return s.open_fds >= 0 ? s.open_fds : kGap;
  return s.threads >= 0 ? s.threads : kGap;
}

std::string group_of(const WatchedProcess& p) {
  if (p.role == "worker") return "worker slot " + std::to_string(p.slot);
  return p.role.empty() ? p.name : p.role;
}

// The front first, then the workers by slot and generation: the chart colors groups in this
// order, so the front and each slot keep the same color in every chart.
std::vector<const WatchedProcess*> plot_order(const SoakRecord& record) {
  std::vector<const WatchedProcess*> order;
  for (const WatchedProcess& p : record.processes) order.push_back(&p);
  const auto key = [](const WatchedProcess* p) {
    const int rank = p->role == "front" ? 0 : p->role == "worker" ? 1 : 2;
    return std::make_tuple(rank, p->slot, p->generation, p->name);
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](const auto* a, const auto* b) { return key(a) < key(b); });
  return order;
}

void add_markers(const SoakRecord& record, LineChart& chart) {
  for (const TimelineEvent& e : record.events)
    chart.markers.push_back({e.t_s / 60, e.kind, e.label});
}

}  // namespace

bool has_gpu_readings(const SoakRecord& record) {
  for (const WatchedProcess& p : record.processes)
    for (const ProcessSample& s : p.samples)
      if (s.gpu_used_bytes) return true;
  return false;
}

LineChart resource_chart(const SoakRecord& record, std::string_view resource) {
  LineChart chart;
  if (resource == "rss_mib") {
    chart.title = "Resident memory (RSS) per process";
    chart.y_label = "MiB";
  } else if (resource == "gpu_mib") {
    chart.title = "GPU memory per process";
    chart.y_label = "MiB";
  } else if (resource == "fds") {
    chart.title = "Open file descriptors per process";
    chart.y_label = "open fds";
    chart.integer_values = true;
  } else {
    chart.title = "Threads per process";
    chart.y_label = "threads";
    chart.integer_values = true;
  }
  chart.x_end = record.duration_s / 60;
  for (const WatchedProcess* p : plot_order(record)) {
    ChartSeries series;
    series.name = p->name + " (pid " + std::to_string(p->pid) + ")";
    series.group = group_of(*p);
    series.points.reserve(p->samples.size());
    for (const ProcessSample& s : p->samples)
      series.points.push_back({s.t_s / 60, reading(s, resource)});
    chart.series.push_back(std::move(series));
  }
  add_markers(record, chart);
  return chart;
}

LineChart latency_chart(const SoakRecord& record) {
  LineChart chart;
  chart.title = "Latency of answered requests per sampling interval";
  chart.y_label = "ms";
  chart.x_end = record.duration_s / 60;
  ChartSeries p50{"p50", "p50", {}};
  ChartSeries p95{"p95", "p95", {}};
  ChartSeries p99{"p99", "p99", {}};
  for (const LatencyPoint& point : record.latency_over_time) {
    const double x = point.t_s / 60;
    const bool any = point.count > 0;
    p50.points.push_back({x, any ? point.p50_ms : kGap});
    p95.points.push_back({x, any ? point.p95_ms : kGap});
    p99.points.push_back({x, any ? point.p99_ms : kGap});
  }
  chart.series = {std::move(p50), std::move(p95), std::move(p99)};
  add_markers(record, chart);
  return chart;
}

}  // namespace nmtd::soak
