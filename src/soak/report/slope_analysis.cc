#include "soak/report/slope_analysis.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>

#include "soak/report/report_text.h"

namespace nmtd::soak {
namespace {

struct Point {
  double t_s;
  double value;
};

// One resource a sample may carry: how to read it, and which bound applies.
struct Resource {
  const char* name;
  const char* unit;
  double SlopeBounds::*bound;
  std::optional<double> (*read)(const ProcessSample&);
  bool always_listed;  // listed even without readings, so that every process has a row
};

constexpr double kBytesPerMiB = 1024.0 * 1024.0;

const std::array<Resource, 4> kResources{{
    {"rss_mib", "MiB/h", &SlopeBounds::rss_mib_per_hour,
     [](const ProcessSample& s) -> std::optional<double> {
       // RSS is never 0 for a live process: 0 is the "not read" default.
       if (s.rss_bytes <= 0) return std::nullopt;
       return static_cast<double>(s.rss_bytes) / kBytesPerMiB;
     },
     true},
    {"gpu_mib", "MiB/h", &SlopeBounds::gpu_mib_per_hour,
     [](const ProcessSample& s) -> std::optional<double> {
       if (!s.gpu_used_bytes) return std::nullopt;
       return static_cast<double>(*s.gpu_used_bytes) / kBytesPerMiB;
     },
     false},
    {"fds", "1/h", &SlopeBounds::fds_per_hour,
     [](const ProcessSample& s) -> std::optional<double> {
       if (s.open_fds < 0) return std::nullopt;
       return s.open_fds;
     },
     false},
    {"threads", "1/h", &SlopeBounds::threads_per_hour,
     [](const ProcessSample& s) -> std::optional<double> {
       if (s.threads < 0) return std::nullopt;
       return s.threads;
     },
     false},
}};

bool has_readings(const WatchedProcess& process, const Resource& resource) {
  for (const ProcessSample& s : process.samples)
    if (resource.read(s)) return true;
  return false;
}

// The readings left once the process's warm-up (from its first sample, whatever that sample
// holds) is over.
std::vector<Point> kept_readings(const WatchedProcess& process, const Resource& resource,
                                 double warmup_s) {
  std::vector<Point> kept;
  if (process.samples.empty()) return kept;
  const double first_t = process.samples.front().t_s;
  for (const ProcessSample& s : process.samples) {
    if (s.t_s - first_t < warmup_s) continue;
    if (const auto value = resource.read(s)) kept.push_back({s.t_s, *value});
  }
  return kept;
}

std::vector<Point> floor_points(const std::vector<Point>& readings, double window_s) {
  if (readings.empty()) return {};
  if (window_s <= 0) return readings;  // no windows: every reading stands for itself
  const double start = readings.front().t_s;
  struct Window {
    double minimum;
    double last_t;
  };
  std::map<int64_t, Window> windows;
  for (const Point& r : readings) {
    const auto index = static_cast<int64_t>(std::floor((r.t_s - start) / window_s));
    const auto [it, inserted] = windows.try_emplace(index, Window{r.value, r.t_s});
    if (!inserted) {
      it->second.minimum = std::min(it->second.minimum, r.value);
      it->second.last_t = std::max(it->second.last_t, r.t_s);
    }
  }
  if (windows.size() > 1) {
    const auto& [index, last] = *windows.rbegin();
    if (last.last_t - (start + static_cast<double>(index) * window_s) < window_s / 2)
      windows.erase(index);
  }
  std::vector<Point> points;
  points.reserve(windows.size());
  for (const auto& [index, window] : windows)
    points.push_back({start + (static_cast<double>(index) + 0.5) * window_s, window.minimum});
  return points;
}

// Σ(dt·dy) and Σ(dt²) about the points' own means. Times and values are taken relative to the
// first point first, so that identical values give dy == 0 exactly, not a rounding residue.
struct Moments {
  double sxy = 0;
  double sxx = 0;
  double syy = 0;
  std::size_t n = 0;       // points
  std::size_t groups = 0;  // processes, each with its own mean (an intercept of its own)
};

Moments centred_moments(const std::vector<Point>& points) {
  Moments m;
  if (points.size() < 2) return m;
  m.n = points.size();
  m.groups = 1;
  const Point origin = points.front();
  double mean_t = 0;
  double mean_y = 0;
  for (const Point& p : points) {
    mean_t += p.t_s - origin.t_s;
    mean_y += p.value - origin.value;
  }
  mean_t /= static_cast<double>(points.size());
  mean_y /= static_cast<double>(points.size());
  for (const Point& p : points) {
    const double dt = p.t_s - origin.t_s - mean_t;
    const double dy = p.value - origin.value - mean_y;
    m.sxy += dt * dy;
    m.sxx += dt * dt;
    m.syy += dy * dy;
  }
  return m;
}

double per_hour(const Moments& m) { return m.sxx > 0 ? m.sxy / m.sxx * 3600.0 : 0.0; }

// The slope's standard error, per hour: the residuals' scatter about the fitted lines over the
// spread of the times. 0 without residual degrees of freedom (or without scatter).
double stderr_per_hour(const Moments& m) {
  const std::size_t dof = m.n > m.groups + 1 ? m.n - m.groups - 1 : 0;
  if (dof == 0 || m.sxx <= 0) return 0.0;
  const double residual = std::max(0.0, m.syy - m.sxy * m.sxy / m.sxx);
  return std::sqrt(residual / static_cast<double>(dof) / m.sxx) * 3600.0;
}

std::size_t residual_dof(const Moments& m) { return m.n > m.groups + 1 ? m.n - m.groups - 1 : 0; }

// Two-sided 95% quantile of Student's t: Cornish-Fisher expansion about the normal quantile,
// within 1% of the table from 3 degrees of freedom; exact below.
double t_quantile_95(std::size_t dof) {
  static constexpr std::array<double, 3> kSmall{12.706, 4.303, 3.182};
  if (dof == 0) return 0.0;
  if (dof <= kSmall.size()) return kSmall[dof - 1];
  const double z = 1.959964;
  const double d = static_cast<double>(dof);
  return z + (z * z * z + z) / (4 * d) +
         (5 * std::pow(z, 5) + 16 * z * z * z + 3 * z) / (96 * d * d);
}

void fill_fit(SlopeEntry& entry, const Moments& m) {
  entry.slope_per_hour = per_hour(m);
  entry.slope_stderr_per_hour = stderr_per_hour(m);
  entry.slope_ci95_per_hour = entry.slope_stderr_per_hour * t_quantile_95(residual_dof(m));
}

bool within(double slope, double bound) {
  // A tolerance far below any rate worth reporting, so that rounding never fails a series.
  return slope <= bound + 1e-9 * (1.0 + std::fabs(bound));
}

void judge(SlopeEntry& entry, bool enough_span, bool enough_points, const std::string& short_note) {
  entry.judged = false;
  entry.within_bound = true;
  if (entry.bound < 0) {
    entry.note = "check off";
  } else if (!enough_span) {
    entry.note = short_note;
  } else if (!enough_points) {
    entry.note = "fewer than 2 floor windows";
  } else {
    entry.judged = true;
    entry.within_bound = within(entry.slope_per_hour, entry.bound);
    if (!entry.within_bound)
      entry.note = format_rate(entry.slope_per_hour - entry.bound, entry.unit) + " over";
  }
}

SlopeEntry process_entry(const WatchedProcess& process, const Resource& resource,
                         const SlopeSettings& settings) {
  SlopeEntry entry;
  entry.process = process.name;
  entry.role = process.role;
  entry.pid = process.pid;
  entry.resource = resource.name;
  entry.unit = resource.unit;
  entry.bound = settings.bounds.*resource.bound;
  const std::vector<Point> kept = kept_readings(process, resource, settings.warmup_s);
  if (kept.empty()) {
    entry.note = has_readings(process, resource)
                     ? "no samples after the " + format_number(settings.warmup_s) + " s warm-up"
                     : "no samples";
    return entry;
  }
  const std::vector<Point> floors = floor_points(kept, settings.floor_window_s);
  entry.span_s = kept.back().t_s - kept.front().t_s;
  entry.points = floors.size();
  fill_fit(entry, centred_moments(floors));
  judge(entry, entry.span_s >= settings.min_span_s, floors.size() >= 2,
        "watched " + format_number(entry.span_s) + " s after warm-up, fewer than " +
            format_number(settings.min_span_s) + " s");
  return entry;
}

SlopeEntry pooled_entry(const std::vector<const WatchedProcess*>& workers, const Resource& resource,
                        const SlopeSettings& settings) {
  SlopeEntry entry;
  entry.process = kPooledWorkersName;
  entry.role = "workers";
  entry.resource = resource.name;
  entry.unit = resource.unit;
  entry.bound = settings.bounds.*resource.bound;
  Moments pooled;
  bool any_kept = false;
  for (const WatchedProcess* worker : workers) {
    const std::vector<Point> kept = kept_readings(*worker, resource, settings.warmup_s);
    any_kept = any_kept || !kept.empty();
    const std::vector<Point> floors = floor_points(kept, settings.floor_window_s);
    if (floors.size() < 2) continue;  // a lone point says nothing about growth
    const Moments m = centred_moments(floors);
    pooled.sxy += m.sxy;
    pooled.sxx += m.sxx;
    pooled.syy += m.syy;
    pooled.n += m.n;
    pooled.groups += m.groups;
    entry.span_s += kept.back().t_s - kept.front().t_s;
    entry.points += floors.size();
  }
  if (!any_kept) {
    entry.note = "no samples";
    return entry;
  }
  fill_fit(entry, pooled);
  judge(entry, entry.span_s >= settings.min_span_s, pooled.sxx > 0,
        "workers watched " + format_number(entry.span_s) + " s in all after warm-up, fewer than " +
            format_number(settings.min_span_s) + " s");
  return entry;
}

}  // namespace

std::vector<SlopeEntry> analyse_slopes(const std::vector<WatchedProcess>& processes,
                                       const SlopeSettings& settings) {
  std::vector<SlopeEntry> entries;
  std::vector<const WatchedProcess*> workers;
  for (const WatchedProcess& process : processes) {
    if (process.role == "worker") workers.push_back(&process);
    for (const Resource& resource : kResources)
      if (resource.always_listed || has_readings(process, resource))
        entries.push_back(process_entry(process, resource, settings));
  }
  if (workers.empty()) return entries;
  for (const Resource& resource : kResources) {
    bool listed = resource.always_listed;
    for (const WatchedProcess* worker : workers) listed = listed || has_readings(*worker, resource);
    if (listed) entries.push_back(pooled_entry(workers, resource, settings));
  }
  return entries;
}

std::vector<std::string> slope_failures(const std::vector<SlopeEntry>& slopes) {
  std::vector<std::string> lines;
  for (const SlopeEntry& e : slopes) {
    if (!e.judged || e.within_bound) continue;
    lines.push_back(e.process + " " + e.resource + " grows " +
                    format_rate(e.slope_per_hour, e.unit) + " (bound " +
                    format_rate(e.bound, e.unit) + ")");
  }
  return lines;
}

}  // namespace nmtd::soak
