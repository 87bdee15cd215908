#pragma once
// Synthetic processes and records for the report tests.
#include <cmath>
#include <functional>
#include <string>

#include "soak/report/soak_record.h"

namespace nmtd::soak::testing {

inline constexpr double kMiB = 1024.0 * 1024.0;

// Samples every `step_s` from `start_s` to `end_s` (inclusive); `fill` sets each sample's
// values from the time since the process's start and the sample's index.
inline WatchedProcess make_process(std::string name, std::string role, int slot, int generation,
                                   double start_s, double end_s, double step_s,
                                   const std::function<void(ProcessSample&, double, int)>& fill) {
  WatchedProcess p;
  p.name = std::move(name);
  p.role = std::move(role);
  p.slot = slot;
  p.generation = generation;
  p.pid = 1000 + slot * 100 + generation;
  p.source = "procfs";
  const auto count = static_cast<int>(std::floor((end_s - start_s) / step_s + 1e-9));
  for (int i = 0; i <= count; ++i) {
    ProcessSample s;
    s.t_s = start_s + i * step_s;
    s.rss_bytes = static_cast<int64_t>(300 * kMiB);
    s.open_fds = 40;
    s.threads = 12;
    fill(s, s.t_s - start_s, i);
    p.samples.push_back(s);
  }
  return p;
}

inline int64_t mib(double value) { return static_cast<int64_t>(std::llround(value * kMiB)); }

// A small but complete record: a front, two worker slots (slot 1 restarted once), chaos,
// tallies, latency, events and slopes; `front_name` lets a test smuggle in markup.
inline SoakRecord sample_record(const std::string& front_name = "front") {
  SoakRecord r;
  r.nmtd_version = "0.9.0";
  r.started_at_utc = "2025-01-02T03:04:05Z";
  r.server = "127.0.0.1:50051";
  r.model = "/models/nllb";
  r.started_server = true;
  r.seed = 42;
  r.planned_duration_s = 600;
  r.duration_s = 601.5;
  r.chaos_every_s = 30;
  r.sample_every_s = 2;
  r.profiles = {"desktop", "saturate"};
  r.chaos_actions = {"kill-9", "malformed"};
  r.slope_settings.bounds.gpu_mib_per_hour = -1;

  r.total = {100, 90, 6, 4, {{"OK", 90}, {"RESOURCE_EXHAUSTED", 6}, {"UNAVAILABLE", 4}}};
  r.by_profile["desktop"] = {60, 58, 0, 2, {{"OK", 58}, {"UNAVAILABLE", 2}}};
  r.by_profile["saturate"] = {
      40, 32, 6, 2, {{"OK", 32}, {"RESOURCE_EXHAUSTED", 6}, {"UNAVAILABLE", 2}}};
  r.by_api["nmt.v1"] = r.total;
  r.latency = {{10, 20, 50, 100}, {0, 45, 40, 4, 1}};
  for (int i = 1; i <= 300; ++i)
    r.latency_over_time.push_back({2.0 * i, i % 50 == 0 ? 0u : 3u, 15, 40, 90});

  r.processes.push_back(
      make_process(front_name, "front", -1, 0, 0, 600, 2,
                   [](ProcessSample& s, double t, int) { s.rss_bytes = mib(80 + 30 * t / 3600); }));
  r.processes.push_back(
      make_process("worker 0.0", "worker", 0, 0, 1, 599, 2,
                   [](ProcessSample& s, double, int) { s.gpu_used_bytes = mib(900); }));
  r.processes.push_back(
      make_process("worker 1.0", "worker", 1, 0, 1, 300, 2, [](ProcessSample&, double, int) {}));
  r.processes.push_back(
      make_process("worker 1.1", "worker", 1, 1, 304, 599, 2, [](ProcessSample&, double, int) {}));

  r.events = {{30, "chaos", "kill -9 worker 1 (pid 1100)"},
              {31, "restart", "restart: crash"},
              {60, "phase", "warm-up ends"},
              {90, "chaos", "malformed <probe>"}};
  r.restarts_by_reason = {{"crash", 1}};
  r.retries = 3;
  r.crash_reports = 1;
  r.keepalive_reconnects = 2;
  r.chaos = {{"kill-9", 1, 0, 1, 0, {}},
             {"malformed", 1, 0, 4, 1, {"empty text answered <b>OK</b>"}}};
  return r;
}

}  // namespace nmtd::soak::testing
