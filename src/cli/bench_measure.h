#pragma once
// Measurement helpers for `nmtd bench`: repeated timings with their spread, this machine's
// memory read bandwidth, and the time a fresh process takes to become ready.
#include <functional>
#include <string>
#include <vector>

#include "common/thread_pool.h"

namespace nmtd::cli {

struct Spread {
  double median = 0, min = 0, max = 0;
  std::vector<double> samples;
};

Spread spread_of(std::vector<double> samples);
// Runs fn `repeat` times and returns the spread of its wall time in milliseconds.
Spread time_ms(int repeat, const std::function<void()>& fn);

// Read bandwidth in GB/s (10^9 bytes/s) over a buffer much larger than the caches,
// read by all of the pool's threads.
Spread read_bandwidth_gb_s(ThreadPool& pool, int repeat);

struct ReadyProbe {
  double ready_s = 0;             // process start to first translation possible
  double rss_after_load_mib = 0;  // resident memory once loaded
};

// Starts `argv` (a `nmtd bench --probe-ready ...` child) and reads its one-line JSON reply
// {"rss_after_load_mib": ...}; the ready time is measured here, from before the spawn to
// the reply. Throws Error when the child fails.
ReadyProbe run_ready_probe(const std::vector<std::string>& argv);

}  // namespace nmtd::cli
