// What render() writes, read by a real Prometheus parser (prometheus_client in the tooling
// venv, through tests/tools/check_prometheus.py) rather than compared by eye.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "front/metrics/registry.h"

namespace nmtd::metrics {
namespace {

const std::filesystem::path kPython = NMTD_TEST_DATA "/../../.venv/bin/python";
const std::filesystem::path kChecker = NMTD_TEST_DATA "/../tools/check_prometheus.py";

struct CheckResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

CheckResult check_file(const std::filesystem::path& file) {
  const std::string command =
      kPython.string() + " " + kChecker.string() + " " + file.string() + " 2>&1";
  CheckResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> buf{};
  while (const std::size_t n = std::fread(buf.data(), 1, buf.size(), pipe)) {
    result.output.append(buf.data(), n);
  }
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

class PrometheusParse : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::filesystem::exists(kPython)) {
      GTEST_SKIP() << "tooling venv missing (" << kPython << "): run scripts/setup-venv";
    }
    file_ = std::filesystem::temp_directory_path() /
            ("nmtd-metrics-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".txt");
  }
  void TearDown() override { std::filesystem::remove(file_); }

  CheckResult check_text(const std::string& text) {
    std::ofstream(file_, std::ios::binary) << text;
    return check_file(file_);
  }

  std::filesystem::path file_;
};

TEST_F(PrometheusParse, EveryKindWithEscapesInfAndNaNParses) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  MetricsRegistry r;
  r.counter("nmtd_requests_total", "Requests by outcome.", {{"outcome", "ok"}}).inc(41);
  r.counter("nmtd_requests_total", "Requests by outcome.", {{"outcome", "error"}}).inc(0.5);
  r.counter("nmtd_restarts_total", "Restarts \\ by \"reason\"\nsecond line.",
            {{"reason", "crash"}, {"worker", "0"}})
      .inc();
  r.gauge("nmtd_rss_bytes", "RSS.", {{"worker", "a\"b\\c\nd é 日本"}}).set(1.5e9);
  r.gauge("nmtd_plus_inf", "+Inf.").set(kInf);
  r.gauge("nmtd_minus_inf", "-Inf.").set(-kInf);
  r.gauge("nmtd_not_a_number", "NaN.").set(std::nan(""));
  r.gauge("nmtd_tiny", "Tiny.").set(std::numeric_limits<double>::denorm_min());
  auto& latency = r.histogram("nmtd_latency_seconds", "Latency.", {0.005, 0.1, 1, 10},
                              {{"pair", "eng_Latn→fra_Latn"}});
  for (double v : {0.001, 0.05, 0.05, 2.0, 100.0}) latency.observe(v);
  r.histogram("nmtd_latency_seconds", "Latency.", {0.005, 0.1, 1, 10}, {{"pair", "\"\\\n"}})
      .observe(kInf);
  r.histogram("nmtd_unlabelled_seconds", "No labels.", {1}).observe(0.5);

  const CheckResult result = check_text(r.render());
  ASSERT_EQ(result.exit_code, 0) << result.output << "\n--- rendered:\n" << r.render();
  // One line per family with its type and sample count, as the parser saw them.
  EXPECT_NE(result.output.find("nmtd_requests counter 2"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("nmtd_rss_bytes gauge 1"), std::string::npos) << result.output;
  // 2 series x (5 buckets + _sum + _count).
  EXPECT_NE(result.output.find("nmtd_latency_seconds histogram 14"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("nmtd_not_a_number gauge 1"), std::string::npos);
}

TEST_F(PrometheusParse, TheCheckerRefusesBrokenText) {
  // The check is worth something only if it fails on what a scraper would refuse.
  const CheckResult bad_value = check_text("# HELP x X.\n# TYPE x gauge\nx one\n");
  EXPECT_EQ(bad_value.exit_code, 1) << bad_value.output;
  EXPECT_NE(bad_value.output.find("not valid Prometheus text format"), std::string::npos);
  EXPECT_EQ(check_text("# HELP x X.\n# TYPE x gauge\nx{a=\"\\q\"} 1\n").exit_code, 1);
  EXPECT_EQ(check_text("# HELP h H.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\n"
                       "h_count 1\n")
                .exit_code,
            1);                                                            // no +Inf bucket
  EXPECT_EQ(check_text("# HELP x X.\n# TYPE x gauge\nx 1").exit_code, 1);  // no final newline
}

}  // namespace
}  // namespace nmtd::metrics
