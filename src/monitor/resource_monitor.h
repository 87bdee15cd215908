#pragma once
// Samples this process's resources on a background thread, logs one line per sample with the
// growth rates, warns when a limit is crossed, and keeps the last report for health RPCs.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "common/log/log.h"
#include "monitor/gpu_memory_probe.h"
#include "monitor/growth_estimator.h"
#include "monitor/resource_sample.h"

namespace nmtd::monitor {

struct MonitorConfig {
  std::chrono::milliseconds interval{60000};
  std::size_t window = 60;  // samples used for the growth rates
  int max_open_fds = 1024;
  int max_threads = 256;
  int64_t max_rss_bytes = 0;  // 0: no RSS limit
  double max_gpu_memory_percent = 90.0;
  // Hand the heap's free memory back before each timed sample (common/heap_release.h), so
  // that the sample and the growth rates see what is in use, not what malloc kept.
  bool release_free_heap = false;
};

struct MonitorReport {
  ResourceSample sample;
  double rss_growth_mib_per_hour = 0;
  double fds_growth_per_hour = 0;
  double threads_growth_per_hour = 0;
  double gpu_growth_mib_per_hour = 0;
  std::vector<std::string> warnings;  // one per limit crossed in this sample
  uint64_t samples_taken = 0;         // 0: no sample yet
};

class ResourceMonitor {
 public:
  // `gpu` may be null: GPU memory is then not monitored.
  ResourceMonitor(MonitorConfig config, Logger& log, std::unique_ptr<GpuMemoryProbe> gpu);
  ~ResourceMonitor();
  ResourceMonitor(const ResourceMonitor&) = delete;
  ResourceMonitor& operator=(const ResourceMonitor&) = delete;

  // Samples at once, then every interval, until destruction. A second call does nothing.
  void start();
  // Thread-safe copy of the last report.
  MonitorReport latest() const;
  // Samples on the calling thread; updates latest() and the growth rates like a timed sample.
  MonitorReport sample_now();

 private:
  void run(std::stop_token stop);
  std::vector<std::string> check_limits(const ResourceSample& s) const;

  const MonitorConfig config_;
  Logger& log_;
  const std::unique_ptr<GpuMemoryProbe> gpu_;
  // Growth is measured on the steady clock so that wall-clock jumps do not fake a leak.
  const std::chrono::steady_clock::time_point origin_ = std::chrono::steady_clock::now();

  std::mutex sample_mu_;  // one sample at a time: guards the estimators and the count
  GrowthEstimator rss_growth_;
  GrowthEstimator fds_growth_;
  GrowthEstimator threads_growth_;
  GrowthEstimator gpu_growth_;
  uint64_t samples_taken_ = 0;

  mutable std::mutex report_mu_;  // separate so latest() never waits on a /proc read
  MonitorReport latest_;

  std::mutex wait_mu_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: stopped and joined before the members it uses go away
};

}  // namespace nmtd::monitor
