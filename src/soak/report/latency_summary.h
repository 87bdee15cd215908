#pragma once
// Percentiles of the run's latency, estimated from its histogram (the run keeps counts per
// bucket, not every latency).
#include <cstdint>

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

}  // namespace nmtd::soak
