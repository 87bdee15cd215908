#pragma once
// Everything a soak run collects, in one value: the run fills it, the slope analysis and the
// report writers (JSON, HTML) only read it. Times are seconds since the soak started
// (steady clock), so that a wall-clock jump cannot fake a trend.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nmtd::soak {

// One reading of one process's resources.
struct ProcessSample {
  double t_s = 0;
  int64_t rss_bytes = 0;
  int open_fds = -1;                      // -1: unknown (not readable)
  int threads = -1;                       // -1: unknown
  std::optional<int64_t> gpu_used_bytes;  // nullopt: no GPU reading
};

// A process the soak watched: the front, or one worker process (a slot's generation).
struct WatchedProcess {
  std::string name;    // "front", "worker 0.3" (slot 0, generation 3)
  std::string role;    // "front" or "worker"
  int slot = -1;       // worker slot; -1 for the front
  int generation = 0;  // worker generation; 0 for the front
  pid_t pid = 0;
  std::string source;                  // where the samples come from: "procfs" or "GetStatus"
  std::vector<ProcessSample> samples;  // in time order
};

// Something that happened at one instant, marked on the plots.
struct TimelineEvent {
  double t_s = 0;
  std::string kind;   // "chaos", "restart", "phase"
  std::string label;  // "kill -9 worker 1 (pid 4242)", "restart: crash", "warm-up ends"
};

// Latency of the requests that finished within one sampling interval ending at t_s.
struct LatencyPoint {
  double t_s = 0;
  uint64_t count = 0;  // 0: no request finished; the percentiles are then 0
  double p50_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
};

// Requests of the load profiles. Every sent request ends in exactly one of answered, failed
// or lost, so sent == answered + failed + lost once the run has ended.
//  answered: OK with one well-formed translation per text;
//  failed:   a clear refusal the client can act on (RESOURCE_EXHAUSTED, INVALID_ARGUMENT...);
//  lost:     no usable answer: a transport error, UNAVAILABLE, INTERNAL, UNKNOWN,
//            DEADLINE_EXCEEDED, or an OK answer that is malformed.
struct OutcomeTally {
  uint64_t sent = 0;
  uint64_t answered = 0;
  uint64_t failed = 0;
  uint64_t lost = 0;
  std::map<std::string, uint64_t> by_code;  // "OK", "RESOURCE_EXHAUSTED", "MALFORMED_ANSWER"...
};

// Latency of every answered request: counts[i] holds latencies <= upper_bounds_ms[i] (and
// > the bound before); the last count (counts.size() == upper_bounds_ms.size() + 1) holds
// the rest.
// The short-probe profile's names: its requests under load, and those sent one by one on the
// idle server before the load starts (soak/short_probe.h).
inline constexpr const char* kShortProbeProfile = "short-probe";
inline constexpr const char* kUnloadedProbeProfile = "short-probe-unloaded";

struct LatencyHistogram {
  std::vector<double> upper_bounds_ms;
  std::vector<uint64_t> counts;
};

// One kind of chaos action and how the server took it.
struct ChaosTally {
  std::string action;       // "kill-9", "sigsegv", "sigstop", "flood", "malformed", "slow-client"
  uint64_t done = 0;        // times carried out
  uint64_t skipped = 0;     // times it could not be (e.g. no local worker to signal)
  uint64_t expected = 0;    // probes answered as they should be (malformed: clear errors, ...)
  uint64_t unexpected = 0;  // probes answered otherwise; each one is described in notes
  std::vector<std::string> notes;  // bounded; the first ones of each kind
};

// Limits on growth after warm-up; a negative value turns that check off.
struct SlopeBounds {
  double rss_mib_per_hour = 1.0;
  double gpu_mib_per_hour = 1.0;
  double fds_per_hour = 0.0;
  double threads_per_hour = 0.0;
};

// How the slopes are computed (see slope_analysis.h). `nmtd soak` has its own defaults, made
// for runs of half an hour or more (5 min warm-up, 30 s floors, 10 min span).
struct SlopeSettings {
  double warmup_s = 60;        // samples of a process younger than this are left out
  double floor_window_s = 20;  // each window's minimum stands for it (transients removed)
  double min_span_s = 300;     // a process watched for less after warm-up is not judged alone
  SlopeBounds bounds;
};

// The growth of one resource of one process (or of all workers pooled).
struct SlopeEntry {
  std::string process;   // WatchedProcess::name, or "workers (pooled)"
  std::string role;      // "front", "worker", "workers"
  pid_t pid = 0;         // 0 for the pooled entry
  std::string resource;  // "rss_mib", "gpu_mib", "fds", "threads"
  std::string unit;      // "MiB/h" or "1/h"
  double slope_per_hour = 0;
  // How well the floors pin the slope down: its standard error, and the half-width of its 95%
  // confidence interval (slope ± ci95). 0 when the points leave no residual freedom.
  double slope_stderr_per_hour = 0;
  double slope_ci95_per_hour = 0;
  double bound = 0;   // negative: not checked
  double span_s = 0;  // time covered by the points used
  std::size_t points = 0;
  bool judged = false;  // false: too short, no data, or the check is off
  bool within_bound = true;
  std::string note;  // why not judged, or how far over
};

struct SoakRecord {
  // What was run.
  std::string nmtd_version;
  std::string started_at_utc;   // ISO 8601
  std::string server;           // host:port driven
  std::string model;            // model directory, or "" when attached with --server
  bool started_server = false;  // the soak started `nmtd serve` itself
  uint64_t seed = 0;
  double planned_duration_s = 0;
  double duration_s = 0;     // how long it actually ran
  double chaos_every_s = 0;  // 0: no chaos
  double sample_every_s = 0;
  std::vector<std::string> profiles;
  std::vector<std::string> chaos_actions;
  int chaos_spared_slot = -1;  // the worker slot signals spared; -1: none
  SlopeSettings slope_settings;

  // What happened.
  OutcomeTally total;
  std::map<std::string, OutcomeTally> by_profile;
  std::map<std::string, OutcomeTally> by_api;  // "nmt.v1", "baketa"
  LatencyHistogram latency;
  std::map<std::string, LatencyHistogram> latency_by_profile;  // answered requests only
  std::vector<LatencyPoint> latency_over_time;
  std::vector<WatchedProcess> processes;
  std::vector<TimelineEvent> events;
  std::map<std::string, uint64_t> restarts_by_reason;  // as the front counts them
  uint64_t retries = 0;                                // calls the front sent again
  uint64_t crash_reports = 0;                          // crash reports the front archived
  uint64_t keepalive_reconnects = 0;  // idle desktop connections that dropped and reconnected
  double idle_unload_s = 0;           // the started server's --idle-unload; 0: off
  uint64_t idle_unloads = 0;          // times its workers were let go for idleness
  int64_t longest_wake_ms = -1;       // the longest wake the samples saw; -1: none seen
  std::vector<ChaosTally> chaos;

  // False in the reports written while the soak runs (every few minutes, so that a long run
  // that is cut short still leaves its figures); their verdict covers the run so far.
  bool finished = true;

  // The verdict, filled by the analysis at the end.
  std::vector<SlopeEntry> slopes;
  std::vector<std::string> failures;  // why the run fails; empty: it passed
};

}  // namespace nmtd::soak
