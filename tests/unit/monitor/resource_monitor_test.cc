#include "monitor/resource_monitor.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace nmtd::monitor {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

// A logger whose lines land in a string, "<level> <message>" each.
class CapturedLog {
 public:
  CapturedLog()
      : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)), logger_("test", sink_) {
    logger_.set_pattern("%l %v");
    logger_.set_level(spdlog::level::info);
  }
  Logger& logger() { return logger_; }
  // Read only once nothing logs any more: the stream itself is not thread-safe to read.
  std::vector<std::string> lines() const {
    std::vector<std::string> result;
    std::istringstream in(out_.str());
    for (std::string line; std::getline(in, line);) result.push_back(line);
    return result;
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
  Logger logger_;
};

MonitorConfig quick_config() {
  MonitorConfig c;
  c.interval = milliseconds(20);
  c.window = 10;
  return c;
}

bool wait_for_samples(const ResourceMonitor& m, uint64_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (m.latest().samples_taken >= n) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return false;
}

// POSIX extended syntax (gtest's MatchesRegex): std::regex trips GCC 12's
// -Wmaybe-uninitialized inside libstdc++ under the sanitizer build.
constexpr const char* kSampleLine =
    "info resources rss=[0-9]+\\.[0-9]MiB peak=[0-9]+\\.[0-9]MiB fds=[0-9]+ threads=[0-9]+ "
    "gpu=n/a growth: rss=[+-][0-9]+\\.[0-9]MiB/h fds=[+-][0-9]+\\.[0-9]/h "
    "threads=[+-][0-9]+\\.[0-9]/h";

TEST(ResourceMonitor, LatestBeforeStartHasNoSample) {
  CapturedLog log;
  ResourceMonitor m(quick_config(), log.logger(), nullptr);
  const MonitorReport r = m.latest();
  EXPECT_EQ(r.samples_taken, 0u);
  EXPECT_EQ(r.sample.rss_bytes, 0);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ResourceMonitor, LogsWhyGpuIsNotMonitored) {
  CapturedLog log;
  { ResourceMonitor m(quick_config(), log.logger(), nullptr); }
  auto probe = std::make_unique<GpuMemoryProbe>();
  const bool available = probe->available();
  const std::string reason = probe->unavailable_reason();
  { ResourceMonitor m(quick_config(), log.logger(), std::move(probe)); }
  const auto lines = log.lines();
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("GPU memory not monitored"));
  if (!available) {
    EXPECT_THAT(lines[1], HasSubstr(reason));
  }
}

TEST(ResourceMonitor, CollectsSamplesAndLogsThemInTheFormat) {
  CapturedLog log;
  MonitorReport last;
  {
    ResourceMonitor m(quick_config(), log.logger(), nullptr);
    m.start();
    ASSERT_TRUE(wait_for_samples(m, 4));
    last = m.latest();
  }
  EXPECT_GE(last.samples_taken, 4u);
  EXPECT_GT(last.sample.rss_bytes, 0);
  EXPECT_GT(last.sample.threads, 1);  // the monitor's own thread at least
  EXPECT_FALSE(last.sample.gpu.has_value());
  EXPECT_TRUE(last.warnings.empty()) << last.warnings.front();

  int sample_lines = 0;
  for (const auto& line : log.lines()) {
    if (line.find("resources ") == std::string::npos) continue;
    EXPECT_THAT(line, ::testing::MatchesRegex(kSampleLine));
    ++sample_lines;
  }
  EXPECT_GE(sample_lines, 4);
}

TEST(ResourceMonitor, SampleNowUpdatesLatestAndGrowth) {
  CapturedLog log;
  ResourceMonitor m(quick_config(), log.logger(), nullptr);
  const MonitorReport first = m.sample_now();
  EXPECT_EQ(first.samples_taken, 1u);
  EXPECT_EQ(first.fds_growth_per_hour, 0.0);  // one point: no slope yet
  std::this_thread::sleep_for(milliseconds(10));
  std::vector<int> fds;
  for (int i = 0; i < 5; ++i) fds.push_back(dup(STDERR_FILENO));
  const MonitorReport second = m.sample_now();
  for (int fd : fds) close(fd);
  EXPECT_EQ(second.samples_taken, 2u);
  EXPECT_EQ(second.sample.open_fds, first.sample.open_fds + 5);
  EXPECT_GT(second.fds_growth_per_hour, 0.0);
  EXPECT_EQ(m.latest().samples_taken, 2u);
  EXPECT_EQ(m.latest().sample.open_fds, second.sample.open_fds);
}

TEST(ResourceMonitor, LowFdLimitWarnsInReportAndLog) {
  CapturedLog log;
  MonitorConfig c = quick_config();
  c.max_open_fds = 1;
  ResourceMonitor m(c, log.logger(), nullptr);
  const MonitorReport r = m.sample_now();
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_THAT(r.warnings[0], HasSubstr("open fds"));
  EXPECT_EQ(m.latest().warnings, r.warnings);
  int warn_lines = 0;
  for (const auto& line : log.lines()) {
    if (line.rfind("warning ", 0) == 0) {
      EXPECT_THAT(line, HasSubstr("open fds"));
      ++warn_lines;
    }
  }
  EXPECT_EQ(warn_lines, 1);
}

TEST(ResourceMonitor, EveryLimitCanWarn) {
  CapturedLog log;
  MonitorConfig c = quick_config();
  c.max_open_fds = 1;
  c.max_threads = 0;
  c.max_rss_bytes = 1;
  ResourceMonitor m(c, log.logger(), nullptr);
  const MonitorReport r = m.sample_now();
  ASSERT_EQ(r.warnings.size(), 3u);
  EXPECT_THAT(r.warnings[0], HasSubstr("open fds"));
  EXPECT_THAT(r.warnings[1], HasSubstr("threads"));
  EXPECT_THAT(r.warnings[2], HasSubstr("rss"));
}

TEST(ResourceMonitor, ZeroRssLimitMeansNoLimit) {
  CapturedLog log;
  MonitorConfig c = quick_config();
  c.max_rss_bytes = 0;
  ResourceMonitor m(c, log.logger(), nullptr);
  EXPECT_TRUE(m.sample_now().warnings.empty());
}

TEST(ResourceMonitor, DestructorReturnsPromptlyWithLongInterval) {
  CapturedLog log;
  MonitorConfig c;
  c.interval = std::chrono::seconds(60);
  std::optional<ResourceMonitor> m;
  m.emplace(c, log.logger(), nullptr);
  m->start();
  ASSERT_TRUE(wait_for_samples(*m, 1));  // the thread is now in its 60 s wait
  m->start();                            // a second start is harmless
  const auto begin = std::chrono::steady_clock::now();
  m.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(5));
}

}  // namespace
}  // namespace nmtd::monitor
