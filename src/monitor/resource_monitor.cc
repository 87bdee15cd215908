#include "monitor/resource_monitor.h"

#include <spdlog/fmt/fmt.h>

#include <exception>
#include <utility>

#include "common/heap_release.h"

namespace nmtd::monitor {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

double mib(int64_t bytes) { return static_cast<double>(bytes) / kMiB; }

}  // namespace

ResourceMonitor::ResourceMonitor(MonitorConfig config, Logger& log,
                                 std::unique_ptr<GpuMemoryProbe> gpu)
    : config_(config),
      log_(log),
      gpu_(std::move(gpu)),
      rss_growth_(config.window),
      fds_growth_(config.window),
      threads_growth_(config.window),
      gpu_growth_(config.window) {
  if (!gpu_) {
    log_.info("resource monitor: GPU memory not monitored (no GPU probe)");
  } else if (!gpu_->available()) {
    log_.info("resource monitor: GPU memory not monitored: {}", gpu_->unavailable_reason());
  } else {
    log_.info("resource monitor: GPU memory monitored through NVML");
  }
}

ResourceMonitor::~ResourceMonitor() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void ResourceMonitor::start() {
  if (thread_.joinable()) return;
  thread_ = std::jthread([this](std::stop_token stop) { run(std::move(stop)); });
}

MonitorReport ResourceMonitor::latest() const {
  std::lock_guard lock(report_mu_);
  return latest_;
}

void ResourceMonitor::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    try {
      if (config_.release_free_heap) release_free_heap();
      sample_now();
    } catch (const std::exception& e) {
      // A failed sample must not kill the process: the next one may succeed.
      log_.error("resource monitor: sample failed: {}", e.what());
    }
    std::unique_lock lock(wait_mu_);
    // Predicate false: only a stop request ends the wait early, so a 60 s interval does not
    // delay shutdown.
    wake_.wait_for(lock, stop, config_.interval, [] { return false; });
  }
}

std::vector<std::string> ResourceMonitor::check_limits(const ResourceSample& s) const {
  std::vector<std::string> warnings;
  if (s.open_fds > config_.max_open_fds) {
    warnings.push_back(fmt::format("open fds {} > limit {}", s.open_fds, config_.max_open_fds));
  }
  if (s.threads > config_.max_threads) {
    warnings.push_back(fmt::format("threads {} > limit {}", s.threads, config_.max_threads));
  }
  if (config_.max_rss_bytes > 0 && s.rss_bytes > config_.max_rss_bytes) {
    warnings.push_back(fmt::format("rss {:.1f}MiB > limit {:.1f}MiB", mib(s.rss_bytes),
                                   mib(config_.max_rss_bytes)));
  }
  if (s.gpu && s.gpu->total_bytes > 0) {
    const double percent =
        100.0 * static_cast<double>(s.gpu->used_bytes) / static_cast<double>(s.gpu->total_bytes);
    if (percent > config_.max_gpu_memory_percent) {
      warnings.push_back(fmt::format("gpu memory {:.1f}% > limit {:.1f}%", percent,
                                     config_.max_gpu_memory_percent));
    }
  }
  return warnings;
}

MonitorReport ResourceMonitor::sample_now() {
  std::lock_guard sample_lock(sample_mu_);
  MonitorReport report;
  report.sample = read_resources(gpu_.get());
  const double t =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
  const ResourceSample& s = report.sample;

  rss_growth_.add(t, mib(s.rss_bytes));
  // -1 means the fd count was unavailable: feeding it in would fake a trend.
  if (s.open_fds >= 0) fds_growth_.add(t, s.open_fds);
  threads_growth_.add(t, s.threads);
  if (s.gpu) gpu_growth_.add(t, mib(s.gpu->used_bytes));
  report.rss_growth_mib_per_hour = rss_growth_.slope_per_hour().value_or(0.0);
  report.fds_growth_per_hour = fds_growth_.slope_per_hour().value_or(0.0);
  report.threads_growth_per_hour = threads_growth_.slope_per_hour().value_or(0.0);
  report.gpu_growth_mib_per_hour = gpu_growth_.slope_per_hour().value_or(0.0);
  report.warnings = check_limits(s);
  report.samples_taken = ++samples_taken_;

  const std::string gpu_text =
      s.gpu ? fmt::format("{:.1f}/{:.1f}MiB", mib(s.gpu->used_bytes), mib(s.gpu->total_bytes))
            : std::string("n/a");
  const std::string gpu_growth =
      s.gpu ? fmt::format(" gpu={:+.1f}MiB/h", report.gpu_growth_mib_per_hour) : std::string();
  log_.info(
      "resources rss={:.1f}MiB peak={:.1f}MiB fds={} threads={} gpu={} growth: rss={:+.1f}MiB/h "
      "fds={:+.1f}/h threads={:+.1f}/h{}",
      mib(s.rss_bytes), mib(s.peak_rss_bytes), s.open_fds, s.threads, gpu_text,
      report.rss_growth_mib_per_hour, report.fds_growth_per_hour, report.threads_growth_per_hour,
      gpu_growth);
  for (const auto& w : report.warnings) log_.warn("resource limit crossed: {}", w);

  {
    std::lock_guard lock(report_mu_);
    latest_ = report;
  }
  return report;
}

}  // namespace nmtd::monitor
