#pragma once
// Does a resource grow while the server runs? One slope per process and resource, judged
// against a bound (SlopeSettings), and one pooled slope per resource over all workers.
//
// Method, for each process and each resource it has readings of (rss_mib = RSS / 2^20;
// gpu_mib only when some sample has a GPU reading; fds and threads, leaving out unknown
// readings):
//  1. Warm-up: readings taken less than `warmup_s` after the process's first sample are left
//     out. Loading a model, filling caches and pools is growth that stops.
//  2. Floors: the remaining readings are cut into consecutive windows of `floor_window_s`,
//     starting at the first kept reading, and each window is represented by its minimum,
//     placed at the window's middle. Memory, descriptors and threads that in-flight requests
//     and connections hold come and go within seconds; they lift a window's peak but not its
//     floor. A leak lifts the floor. A last window covering less than half its width is
//     dropped: the minimum of fewer readings sits higher, which would read as growth.
//  3. Slope: the least-squares slope through the floor points, per hour. A flat series gives
//     exactly 0 (times and values are taken relative to the first point), so a bound of 0 —
//     the default for fds and threads — can be held.
//  4. Verdict: judged when the bound is not negative, the kept readings span at least
//     `min_span_s` and there are two floor points or more; within bound when the slope does
//     not exceed the bound. A process watched too briefly is reported, not judged.
//  Pooled workers: workers are killed, crash and are recycled, so one worker process is often
//  watched too briefly to be judged alone, and the workers of a slot form a sawtooth (each
//  new process starts low). The pooled slope is a fixed-effects least-squares fit: each
//  process's floor points are centred on that process's own mean time and mean value, and
//  slope = Σ(dt·dy) / Σ(dt²) over all worker processes. It is the growth rate the worker
//  processes share within their lives, and a restart (a drop between processes) does not
//  count as decline, nor the next process's higher start as growth. It is judged when the
//  spans of the processes that contribute add up to `min_span_s` and Σ(dt²) > 0.
#include <string>
#include <vector>

#include "soak/report/soak_record.h"

namespace nmtd::soak {

// The process name of the pooled worker entries.
inline constexpr const char* kPooledWorkersName = "workers (pooled)";

// One entry per process and resource with readings (rss_mib always, so every process is
// listed), then the pooled worker entries, one per resource any worker has readings of.
std::vector<SlopeEntry> analyse_slopes(const std::vector<WatchedProcess>& processes,
                                       const SlopeSettings& settings);

// One line per judged entry over its bound: "front rss_mib grows 3.2 MiB/h (bound 1 MiB/h)".
std::vector<std::string> slope_failures(const std::vector<SlopeEntry>& slopes);

}  // namespace nmtd::soak
