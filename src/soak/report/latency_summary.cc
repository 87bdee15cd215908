#include "soak/report/latency_summary.h"

#include <algorithm>

namespace nmtd::soak {
namespace {

double lower_bound_of(const LatencyHistogram& h, std::size_t bucket) {
  return bucket == 0 ? 0.0 : h.upper_bounds_ms[bucket - 1];
}

double last_bound(const LatencyHistogram& h) {
  return h.upper_bounds_ms.empty() ? 0.0 : h.upper_bounds_ms.back();
}

double percentile(const LatencyHistogram& h, uint64_t total, double q) {
  const double rank = q * static_cast<double>(total);
  double before = 0;
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    const auto in_bucket = static_cast<double>(h.counts[i]);
    if (in_bucket == 0 || before + in_bucket < rank) {
      before += in_bucket;
      continue;
    }
    if (i >= h.upper_bounds_ms.size()) return last_bound(h);  // the open-ended bucket
    const double lower = lower_bound_of(h, i);
    const double fraction = std::clamp((rank - before) / in_bucket, 0.0, 1.0);
    return lower + (h.upper_bounds_ms[i] - lower) * fraction;
  }
  return last_bound(h);
}

}  // namespace

LatencySummary summarise_latency(const LatencyHistogram& histogram) {
  LatencySummary s;
  for (const uint64_t c : histogram.counts) s.count += c;
  if (s.count == 0) return s;
  s.p50_ms = percentile(histogram, s.count, 0.50);
  s.p95_ms = percentile(histogram, s.count, 0.95);
  s.p99_ms = percentile(histogram, s.count, 0.99);
  for (std::size_t i = histogram.counts.size(); i-- > 0;) {
    if (histogram.counts[i] == 0) continue;
    s.max_ms =
        i < histogram.upper_bounds_ms.size() ? histogram.upper_bounds_ms[i] : last_bound(histogram);
    break;
  }
  if (histogram.counts.size() > histogram.upper_bounds_ms.size())
    for (std::size_t i = histogram.upper_bounds_ms.size(); i < histogram.counts.size(); ++i)
      s.beyond_last_bound += histogram.counts[i];
  return s;
}

std::optional<ShortTextLatency> short_text_latency(const SoakRecord& record) {
  const auto unloaded = record.latency_by_profile.find(kUnloadedProbeProfile);
  const auto loaded = record.latency_by_profile.find(kShortProbeProfile);
  if (unloaded == record.latency_by_profile.end() || loaded == record.latency_by_profile.end())
    return std::nullopt;
  ShortTextLatency s{summarise_latency(unloaded->second), summarise_latency(loaded->second)};
  if (s.unloaded.count == 0 || s.loaded.count == 0 || s.unloaded.p50_ms <= 0) return std::nullopt;
  s.p99_ratio = s.loaded.p99_ms / s.unloaded.p99_ms;
  s.p50_ratio = s.loaded.p50_ms / s.unloaded.p50_ms;
  return s;
}

}  // namespace nmtd::soak
