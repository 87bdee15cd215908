// `nmtd serve` as a process: its endpoints, its drain, and what happens to its workers when it
// is killed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <optional>
#include <thread>

#include "front/restart_reason.h"
#include "support/serve_process.h"
#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

// A variable of the environment a process was started with (/proc/PID/environ keeps that
// block, whatever the process set later).
std::optional<std::string> variable_at_start(pid_t pid, const std::string& name) {
  const std::string block = read_file("/proc/" + std::to_string(pid) + "/environ");
  const std::string key = name + "=";
  for (std::size_t at = 0; at < block.size();) {
    const std::size_t end = std::min(block.find('\0', at), block.size());
    if (block.compare(at, key.size(), key) == 0)
      return block.substr(at + key.size(), end - at - key.size());
    at = end + 1;
  }
  return std::nullopt;
}

TEST(Serve, RunsWithoutMallocThreadCachesAndItsWorkersWithTheEnvironmentItGot) {
  // glibc rewrites a GLIBC_TUNABLES of several tunables in place as it reads it, so what
  // /proc shows is exact only when the front adds the one tunable to none.
  if (std::getenv("GLIBC_TUNABLES") != nullptr)
    GTEST_SKIP() << "GLIBC_TUNABLES is set for the tests; this one checks the front without it";
  ServeProcess serve(shared_test_model(), {"--workers", "1"});
  ASSERT_TRUE(serve.wait_workers_ready(1, 60s)) << serve.stderr_text();
  EXPECT_EQ(variable_at_start(serve.pid(), "GLIBC_TUNABLES"), "glibc.malloc.tcache_count=0");
  EXPECT_EQ(variable_at_start(serve.pid(), "NMTD_INHERITED_GLIBC_TUNABLES"), "unset");
  const auto workers = serve.worker_pids();
  ASSERT_EQ(workers.size(), 1u);
  EXPECT_EQ(variable_at_start(workers.front(), "GLIBC_TUNABLES"), std::nullopt);
  EXPECT_EQ(variable_at_start(workers.front(), "NMTD_INHERITED_GLIBC_TUNABLES"), std::nullopt);
  EXPECT_THAT(serve.stderr_text(), ::testing::Not(HasSubstr("cannot run again")));
}

// Sets a variable of this test's environment, which the processes it starts inherit, for the
// guard's lifetime.
class ScopedVariable {
 public:
  ScopedVariable(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value, 1);
  }
  ~ScopedVariable() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(Serve, KeepsMallocThreadCachesAndSaysWhyUnderAnotherMalloc) {
  // Under heaptrack or a preloaded allocator the front must not run itself again: the
  // tracer's record would end at the second run (seen with scripts/leak-check), and the
  // tunable means nothing to another allocator.
  if (std::getenv("GLIBC_TUNABLES") != nullptr)
    GTEST_SKIP() << "GLIBC_TUNABLES is set for the tests; this one checks the front without it";
  const ScopedVariable preload("LD_PRELOAD", NMTD_TEST_MALLOC_INTERPOSER);
  ServeProcess serve(shared_test_model(), {"--workers", "1"});
  ASSERT_TRUE(serve.wait_workers_ready(1, 60s)) << serve.stderr_text();
  EXPECT_EQ(variable_at_start(serve.pid(), "GLIBC_TUNABLES"), std::nullopt);
  EXPECT_EQ(variable_at_start(serve.pid(), "NMTD_INHERITED_GLIBC_TUNABLES"), std::nullopt);
  EXPECT_THAT(serve.stderr_text(), HasSubstr("malloc is not glibc's"));
}

TEST(Serve, HealthAndHttpEndpointsTellTheTruth) {
  ServeProcess serve(shared_test_model(), {"--workers", "1"});
  ASSERT_TRUE(serve.wait_serving()) << serve.stderr_text();
  int code = 0;
  EXPECT_THAT(serve.http_get("/healthz", &code), HasSubstr("ok"));
  EXPECT_EQ(code, 200);
  serve.http_get("/readyz", &code);
  EXPECT_EQ(code, 200);
  const auto status = serve.http_get("/status", &code);
  EXPECT_EQ(code, 200);
  EXPECT_THAT(status, HasSubstr("\"role\": \"front\""));
  EXPECT_THAT(status, HasSubstr("\"workers\""));
  serve.http_get("/nowhere", &code);
  EXPECT_EQ(code, 404);
  EXPECT_THAT(serve.stderr_text(), HasSubstr("effective configuration"));
}

TEST(Serve, MetricsParseAsPrometheusText) {
  ServeProcess serve(shared_test_model(), {"--workers", "1"});
  ASSERT_TRUE(serve.wait_serving()) << serve.stderr_text();
  auto stub = serve.stub();
  nmt::v1::TranslateResponse response;
  ASSERT_TRUE(translate(*stub, make_request({"Metrics, please."}), response).ok());
  ASSERT_EQ(translate(*stub, make_request({"x"}, "klingon"), response).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(wait_until([&] { return serve.status().workers(0).has_status(); }, 10s));
  int code = 0;
  const auto text = serve.http_get("/metrics", &code);
  ASSERT_EQ(code, 200);
  for (const char* family :
       {"nmtd_requests_total", "nmtd_request_duration_seconds_bucket", "nmtd_queue_depth",
        "nmtd_cache_hits", "nmtd_worker_rss_bytes", "nmtd_worker_open_fds", "nmtd_worker_threads",
        "nmtd_worker_gpu_memory_used_bytes", "nmtd_uptime_seconds"})
    EXPECT_THAT(text, HasSubstr(family));
  EXPECT_THAT(text, HasSubstr("nmtd_requests_total{api=\"nmt_v1\",outcome=\"ok\"} 1"));
  EXPECT_THAT(text,
              HasSubstr("nmtd_requests_total{api=\"nmt_v1\",outcome=\"invalid_argument\"} 1"));
  // The other APIs' series exist from the start.
  EXPECT_THAT(text, HasSubstr("nmtd_requests_total{api=\"baketa\",outcome=\"ok\"} 0"));
  EXPECT_THAT(text, HasSubstr("nmtd_requests_total{api=\"libretranslate\",outcome=\"ok\"} 0"));
  // So does every restart reason's, so that rate() and alerts work before the first restart.
  for (const front::RestartReason reason : front::kRestartReasons) {
    EXPECT_THAT(text, HasSubstr("nmtd_worker_restarts_total{reason=\"" +
                                std::string(front::restart_reason_name(reason)) + "\"} 0"));
  }

  const std::filesystem::path python = NMTD_TEST_DATA "/../../.venv/bin/python";
  if (!std::filesystem::exists(python)) GTEST_SKIP() << "tooling venv missing: scripts/setup-venv";
  const auto file = serve.dir() / "metrics.txt";
  std::ofstream(file) << text;
  const std::string checker = NMTD_TEST_DATA "/../tools/check_prometheus.py";
  const std::string command = python.string() + " " + checker + " " + file.string();
  EXPECT_EQ(std::system(command.c_str()), 0) << text;
}

TEST(Serve, EveryNllbLanguageRoutesBothWaysOverNmtV1) {
  ServeProcess serve(shared_test_model(), {"--workers", "1"});
  ASSERT_TRUE(serve.wait_serving()) << serve.stderr_text();
  auto stub = serve.stub();
  grpc::ClientContext lctx;
  nmt::v1::ListLanguagesResponse languages;
  ASSERT_TRUE(stub->ListLanguages(&lctx, {}, &languages).ok());
  ASSERT_GE(languages.languages_size(), 200);
  for (const auto& code : languages.languages()) {
    for (const auto& [source, target] :
         {std::pair{std::string("eng_Latn"), code}, std::pair{code, std::string("eng_Latn")}}) {
      auto request = make_request({"Hello"}, source, target);
      request.mutable_options()->set_max_decoding_length(8);
      nmt::v1::TranslateResponse response;
      EXPECT_TRUE(translate(*stub, request, response).ok()) << source << " -> " << target;
    }
  }
}

TEST(Serve, SigtermFinishesInFlightCallsThenStopsWorkersAndExitsZero) {
  ServeProcess serve(shared_test_model(), {"--workers", "2"});
  ASSERT_TRUE(serve.wait_serving()) << serve.stderr_text();
  ASSERT_TRUE(serve.wait_workers_ready(2, 60s));
  const auto workers = serve.worker_pids();
  // Calls in flight when the signal comes: long enough to still run then.
  std::vector<std::future<grpc::Status>> calls;
  for (int i = 0; i < 6; ++i) {
    calls.push_back(std::async(std::launch::async, [&serve, i] {
      auto stub = serve.stub();
      auto request = make_request(std::vector<std::string>(8, "In flight " + std::to_string(i)));
      request.mutable_options()->set_beam_size(8);
      request.mutable_options()->set_max_decoding_length(200);
      nmt::v1::TranslateResponse response;
      return translate(*stub, request, response);
    }));
  }
  std::this_thread::sleep_for(150ms);
  serve.signal(SIGTERM);
  for (auto& c : calls) EXPECT_TRUE(c.get().ok());
  const auto status = serve.wait_exit(60s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << serve.stderr_text();
  for (pid_t w : workers) EXPECT_FALSE(alive(w)) << "worker " << w << " outlived the front";
  EXPECT_THAT(serve.stderr_text(), HasSubstr("exit: drained after SIGTERM; status 0"));
}

TEST(Serve, WorkersFollowAKilledFrontAndTheNextOneStartsAtOnce) {
  // The default runtime directory (runtime_dir unset), under an XDG_RUNTIME_DIR of the test's
  // own, so that what the killed front leaves there can be seen.
  const TempDir xdg("xdg");
  const ScopedVariable runtime("XDG_RUNTIME_DIR", xdg.path().c_str());
  std::vector<pid_t> workers;
  int port = 0;
  std::filesystem::path left_behind;
  {
    ServeProcess serve(shared_test_model(), {"--workers", "2", "--runtime-dir", ""});
    ASSERT_TRUE(serve.wait_workers_ready(2, 60s)) << serve.stderr_text();
    workers = serve.worker_pids();
    port = serve.port();
    left_behind = xdg.path() / ("nmtd-" + std::to_string(serve.pid()));
    ASSERT_TRUE(std::filesystem::is_directory(left_behind));
    serve.signal(SIGKILL);
    ASSERT_TRUE(serve.wait_exit(10s).has_value());
    // Reparented to init, they drain (nothing in flight) and exit by themselves.
    for (pid_t w : workers)
      EXPECT_TRUE(wait_until([&] { return !alive(w); }, 10s)) << "worker " << w << " is an orphan";
    // Nothing crashed: no crash-<pid>.txt, not even an empty one, in any state directory.
    for (const auto& entry : std::filesystem::recursive_directory_iterator(serve.state_dir()))
      EXPECT_FALSE(entry.is_regular_file() &&
                   entry.path().filename().string().starts_with("crash-"))
          << entry.path();
  }
  EXPECT_TRUE(std::filesystem::exists(left_behind));  // SIGKILL leaves no chance to clean up
  ServeProcess next(shared_test_model(), {"--workers", "1", "--runtime-dir", ""}, "", port);
  EXPECT_TRUE(next.wait_serving(60s)) << next.stderr_text();
  // The next front removed the dead one's directory and the sockets in it.
  EXPECT_FALSE(std::filesystem::exists(left_behind));
  EXPECT_THAT(next.stderr_text(), HasSubstr("left by a front that no longer runs"));
}

}  // namespace
}  // namespace nmtd::testing
