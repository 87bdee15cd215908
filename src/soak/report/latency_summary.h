#pragma once
// Percentiles of the run's latency, estimated from its histogram (the run keeps counts per
// bucket, not every latency).
#include <cstdint>
#include <optional>

#include "soak/report/soak_record.h"

namespace nmtd::soak {

struct LatencySummary {
  uint64_t count = 0;  // answered requests in the histogram; 0: the values below are 0
  double p50_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;  // the upper bound of the highest bucket holding a request
  // Some latencies lie beyond the last bound: percentiles that fall there, and max, are the
  // last bound, a lower limit of the true value.
  uint64_t beyond_last_bound = 0;
};

// Each percentile is interpolated linearly within its bucket (a bucket spans from the bound
// before it, 0 for the first, to its own bound).
LatencySummary summarise_latency(const LatencyHistogram& histogram);

// Short texts under load against the same kind of texts on the idle server: issue 20's "a
// 20-character text's p99 latency while long texts are decoding is <= 3x its unloaded
// latency". Both sets come from one generator, so a percentile is compared with the same
// percentile: a short text's output may still be long, and the idle server's p99 holds those.
struct ShortTextLatency {
  LatencySummary unloaded;  // kUnloadedProbeProfile
  LatencySummary loaded;    // kShortProbeProfile
  double p99_ratio = 0;     // loaded.p99_ms / unloaded.p99_ms
  double p50_ratio = 0;     // loaded.p50_ms / unloaded.p50_ms
};

// Absent unless both profiles have answered requests.
std::optional<ShortTextLatency> short_text_latency(const SoakRecord& record);

}  // namespace nmtd::soak
