// `nmtd serve` under load while its workers are killed, stopped, grow and age: every request
// must still be answered.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <fstream>
#include <functional>
#include <iostream>
#include <thread>

#include "load.h"
#include "support/serve_process.h"
#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

// Fast supervision so that the tests see decisions within seconds.
const std::string kQuickSupervision = R"(
[supervision]
health_interval_ms = 200
health_timeout_ms = 500
health_misses = 3
kill_grace_ms = 1000
backoff_initial_ms = 200
backoff_max_ms = 1600
)";

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

uint64_t restarts(const ServeProcess& serve, const std::string& reason) {
  const auto status = serve.status();
  const auto it = status.restarts_by_reason().find(reason);
  return it == status.restarts_by_reason().end() ? 0 : it->second;
}

TEST(Supervision, AnswersLikeTheEngine) {
  ServeProcess serve(shared_test_model(), {"--workers", "1"});
  ASSERT_TRUE(serve.wait_serving()) << serve.stderr_text();
  const std::vector<std::string> texts = {"Hello world.", "How are you today?"};
  auto stub = serve.stub();
  nmt::v1::TranslateResponse response;
  ASSERT_TRUE(translate(*stub, make_request(texts), response).ok());
  const auto expected = engine_translations(texts, {});
  ASSERT_EQ(response.translations_size(), 2);
  EXPECT_EQ(response.translations(0).text(), expected[0]);
  EXPECT_EQ(response.translations(1).text(), expected[1]);
  const auto status = serve.status();
  EXPECT_EQ(status.role(), "front");
  EXPECT_EQ(status.workers_ready(), 1);
  EXPECT_EQ(status.requests().ok(), 1u);
}

TEST(Supervision, KillNineUnderLoadLosesNothing) {
  ServeProcess serve(shared_test_model(), {"--workers", "2"}, kQuickSupervision);
  ASSERT_TRUE(serve.wait_workers_ready(2, 60s)) << serve.stderr_text();
  Load load(serve, 4);
  std::this_thread::sleep_for(1s);
  for (int round = 0; round < 3; ++round) {
    const auto pids = serve.worker_pids();
    ASSERT_FALSE(pids.empty());
    ::kill(pids.front(), SIGKILL);
    ASSERT_TRUE(wait_until([&] { return serve.worker_pids().size() == 2; }, 30s))
        << serve.stderr_text();
    std::this_thread::sleep_for(500ms);
  }
  load.stop();
  std::cout << "figure: kill -9 x3 under load: sent " << load.sent() << ", answered "
            << load.answered() << ", failed " << load.failed() << ", retries "
            << serve.status().retries() << "\n";
  EXPECT_EQ(load.failed(), 0) << load.failures();
  EXPECT_EQ(load.answered(), load.sent());
  EXPECT_GE(restarts(serve, "crash"), 3u);
}

TEST(Supervision, StoppedWorkerIsFoundHungAndReplaced) {
  ServeProcess serve(shared_test_model(), {"--workers", "2"}, kQuickSupervision);
  ASSERT_TRUE(serve.wait_workers_ready(2, 60s)) << serve.stderr_text();
  Load load(serve, 3);
  std::this_thread::sleep_for(500ms);
  const pid_t stopped = serve.worker_pids().front();
  ::kill(stopped, SIGSTOP);
  const auto start = std::chrono::steady_clock::now();
  // 3 misses at 200 ms, then SIGABRT: well within a few seconds.
  ASSERT_TRUE(wait_until([&] { return restarts(serve, "hung") >= 1; }, 20s)) << serve.stderr_text();
  const auto detected = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(wait_until([&] { return serve.worker_pids().size() == 2 && !alive(stopped); }, 30s));
  std::this_thread::sleep_for(500ms);
  load.stop();
  std::cout << "figure: SIGSTOP detected after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(detected).count()
            << " ms; sent " << load.sent() << ", failed " << load.failed() << "\n";
  EXPECT_EQ(load.failed(), 0) << load.failures();
  EXPECT_THAT(serve.stderr_text(), HasSubstr("is hung"));
}

TEST(Supervision, RssOverTheSoftLimitIsRecycledWithoutAFailedRequest) {
  // Every worker is over 1 MiB: each is recycled as soon as it is seen, all the time.
  ServeProcess serve(shared_test_model(), {"--workers", "1"},
                     kQuickSupervision + "\n[limits]\nrss_mib = 1\n");
  ASSERT_TRUE(serve.wait_serving()) << serve.stderr_text();
  Load load(serve, 3);
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(wait_until([&] { return restarts(serve, "rss") >= 2; }, 30s)) << serve.stderr_text();
  load.stop();
  std::cout << "figure: RSS recycles " << restarts(serve, "rss") << "; sent " << load.sent()
            << ", failed " << load.failed() << "\n";
  EXPECT_EQ(load.failed(), 0) << load.failures();
  EXPECT_EQ(restarts(serve, "crash"), 0u);
}

TEST(Supervision, PlannedRecycleByAgeUnderLoadHasNoErrors) {
  ServeProcess serve(shared_test_model(), {"--workers", "2"},
                     kQuickSupervision + "start_timeout_ms = 2000\nrecycle_age = \"3s\"\n");
  ASSERT_TRUE(serve.wait_workers_ready(2, 60s)) << serve.stderr_text();
  Load load(serve, 4);
  ASSERT_TRUE(wait_until([&] { return restarts(serve, "age") >= 3; }, 40s)) << serve.stderr_text();
  load.stop();
  std::cout << "figure: age recycles " << restarts(serve, "age") << "; sent " << load.sent()
            << ", failed " << load.failed() << "\n";
  EXPECT_EQ(load.failed(), 0) << load.failures();
  EXPECT_EQ(restarts(serve, "crash") + restarts(serve, "exit"), 0u);
}

TEST(Supervision, CrashLoopBacksOffAndSaysNotServing) {
  TempDir bad("bad-model");
  std::ofstream(bad.path() / "config.json") << "{}";
  ServeProcess serve(bad.path(), {"--workers", "1"}, kQuickSupervision);
  std::this_thread::sleep_for(4s);
  EXPECT_NE(serve.health(), grpc::health::v1::HealthCheckResponse::SERVING);
  int code = 0;
  serve.http_get("/readyz", &code);
  EXPECT_EQ(code, 503);
  const auto metrics = serve.http_get("/metrics", &code);
  EXPECT_EQ(code, 200);
  EXPECT_THAT(metrics, HasSubstr("nmtd_worker_restarts_total{reason=\"exit\"}"));
  const auto log = serve.stderr_text();
  // 200, 400, 800 ms: the back-off doubles.
  EXPECT_THAT(log, HasSubstr("next worker in 200 ms"));
  EXPECT_THAT(log, HasSubstr("next worker in 400 ms"));
  EXPECT_THAT(log, HasSubstr("next worker in 800 ms"));
  EXPECT_GE(restarts(serve, "exit"), 3u);
  EXPECT_EQ(serve.status().workers_ready(), 0);
}

TEST(Supervision, SegfaultingWorkerLeavesASymbolizedReport) {
  ServeProcess serve(shared_test_model(), {"--workers", "1"}, kQuickSupervision);
  ASSERT_TRUE(serve.wait_serving()) << serve.stderr_text();
  ::kill(serve.worker_pids().front(), SIGSEGV);
  ASSERT_TRUE(wait_until([&] { return serve.status().crash_reports_size() >= 1; }, 20s))
      << serve.stderr_text();
  const auto status = serve.status();
  EXPECT_EQ(status.crash_reports(0).signal(), "SIGSEGV");
  int code = 0;
  const auto body = serve.http_get("/status", &code);
  EXPECT_EQ(code, 200);
  EXPECT_THAT(body, HasSubstr("\"crash_reports\""));
  EXPECT_THAT(serve.stderr_text(), HasSubstr("crash report of worker 0.1"));
  ASSERT_TRUE(serve.wait_serving(30s));
}

}  // namespace
}  // namespace nmtd::testing
