// `nmtd serve --idle-unload`: the workers exit after that long without a call, the front keeps
// saying it takes calls, and the next call starts a worker, waits for it and is answered.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <thread>

#include "baketa/translation/v1/translation.grpc.pb.h"
#include "load.h"
#include "support/serve_process.h"
#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Serving = grpc::health::v1::HealthCheckResponse;

const std::string kQuickSupervision = R"(
[supervision]
health_interval_ms = 200
health_timeout_ms = 500
health_misses = 3
backoff_initial_ms = 200
backoff_max_ms = 800
)";

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

std::string state_of(const ServeProcess& serve) {
  try {
    return serve.status().state();
  } catch (const std::exception&) {
    return "";
  }
}

uint64_t restarts_total(const nmt::v1::GetStatusResponse& status) {
  uint64_t n = 0;
  for (const auto& [reason, count] : status.restarts_by_reason()) n += count;
  return n;
}

// A server with one worker and a 1 s idle unload, ready and then unloaded.
struct Unloaded {
  explicit Unloaded(const std::filesystem::path& model, const std::string& toml = "")
      : serve(model, {"--workers", "1", "--idle-unload", "1s"}, kQuickSupervision + toml) {
    ready = serve.wait_workers_ready(1, 60s);
    if (ready) first_pid = serve.worker_pids().front();
    unloaded = ready && wait_until([&] { return state_of(serve) == "unloaded"; }, 20s);
  }
  ServeProcess serve;
  bool ready = false;
  bool unloaded = false;
  pid_t first_pid = 0;
};

nmt::v1::TranslateRequest short_request(const std::string& text) {
  auto request = make_request({text});
  request.mutable_options()->set_max_decoding_length(8);
  return request;
}

TEST(IdleUnload, WorkersExitAfterIdleAndStatusAndMetricsSaySo) {
  Unloaded server(shared_test_model());
  ASSERT_TRUE(server.unloaded) << server.serve.stderr_text();
  // The front reaps its workers: once it says unloaded, the process is gone.
  ASSERT_TRUE(wait_until([&] { return ::kill(server.first_pid, 0) != 0; }, 10s));
  const auto status = server.serve.status();
  EXPECT_EQ(status.workers_size(), 0);
  EXPECT_EQ(status.workers_ready(), 0);
  EXPECT_EQ(status.idle_unloads(), 1u);
  EXPECT_EQ(status.idle_unload_ms(), 1000);
  EXPECT_FALSE(status.has_last_wake_ms());
  // Planned: no restart counted, so no crash-loop back-off and no alert.
  EXPECT_EQ(restarts_total(status), 0u);
  int code = 0;
  const auto metrics = server.serve.http_get("/metrics", &code);
  EXPECT_EQ(code, 200);
  EXPECT_THAT(metrics, HasSubstr("nmtd_workers_unloaded 1"));
  EXPECT_THAT(metrics, HasSubstr("nmtd_idle_unloads_total 1"));
  EXPECT_THAT(server.serve.stderr_text(), HasSubstr("stopped (idle unload)"));
}

TEST(IdleUnload, HealthSaysItTakesCallsWhileUnloadedAndDoesNotWakeIt) {
  Unloaded server(shared_test_model());
  ASSERT_TRUE(server.unloaded) << server.serve.stderr_text();
  auto channel = server.serve.channel();
  EXPECT_EQ(check_health(channel), Serving::SERVING);
  EXPECT_EQ(check_health(channel, "nmt.v1.Translator"), Serving::SERVING);
  EXPECT_EQ(check_health(channel, "translation_engine"), Serving::SERVING);
  int code = 0;
  EXPECT_THAT(server.serve.http_get("/healthz", &code), HasSubstr("ok"));
  EXPECT_EQ(code, 200);
  const auto readyz = server.serve.http_get("/readyz", &code);
  EXPECT_EQ(code, 200);
  EXPECT_THAT(readyz, HasSubstr("\"unloaded\":true"));
  auto baketa = baketa::translation::v1::TranslationService::NewStub(channel);
  grpc::ClientContext ctx;
  baketa::translation::v1::IsReadyResponse ready;
  ASSERT_TRUE(baketa->IsReady(&ctx, {}, &ready).ok());
  EXPECT_TRUE(ready.is_ready());
  // Neither health, readiness, status nor the kept languages count as a call.
  auto stub = server.serve.stub();
  grpc::ClientContext lctx;
  nmt::v1::ListLanguagesResponse languages;
  EXPECT_TRUE(stub->ListLanguages(&lctx, {}, &languages).ok());
  std::this_thread::sleep_for(1500ms);
  const auto status = server.serve.status();
  EXPECT_EQ(status.state(), "unloaded");
  EXPECT_EQ(status.workers_size(), 0);
}

TEST(IdleUnload, ARequestWakesAWorkerAndIsAnswered) {
  Unloaded server(shared_test_model());
  ASSERT_TRUE(server.unloaded) << server.serve.stderr_text();
  auto stub = server.serve.stub();
  nmt::v1::TranslateResponse woken;
  const auto start = std::chrono::steady_clock::now();
  const auto status = translate(*stub, make_request({"Hello world."}), woken);
  const auto wake_took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(status.ok()) << status.error_message() << "\n" << server.serve.stderr_text();
  ASSERT_EQ(woken.translations_size(), 1);
  EXPECT_EQ(woken.translations(0).text(), engine_translations({"Hello world."}, {})[0]);
  const auto after = server.serve.status();
  EXPECT_EQ(after.state(), "serving");
  EXPECT_EQ(after.workers_ready(), 1);
  ASSERT_EQ(after.workers_size(), 1);
  EXPECT_EQ(after.workers(0).generation(), 2);
  EXPECT_TRUE(after.has_last_wake_ms());
  EXPECT_EQ(restarts_total(after), 0u);
  EXPECT_EQ(after.requests().ok(), 1u);
  // The same call on the loaded server, for the figure.
  const auto loaded_start = std::chrono::steady_clock::now();
  nmt::v1::TranslateResponse loaded;
  ASSERT_TRUE(translate(*stub, make_request({"Hello world."}), loaded).ok());
  const auto loaded_took = std::chrono::steady_clock::now() - loaded_start;
  std::cout << "figure: first translation after an idle unload "
            << std::chrono::duration_cast<std::chrono::milliseconds>(wake_took).count()
            << " ms (wake " << after.last_wake_ms() << " ms), loaded "
            << std::chrono::duration_cast<std::chrono::milliseconds>(loaded_took).count()
            << " ms (test model)\n";
}

// Each worker waits 1.5 s before loading (the worker's own fault injection, reaching it
// through the environment it inherits), so that calls surely arrive while it starts.
class SlowWorkerStart {
 public:
  SlowWorkerStart() {
    ::setenv("NMTD_WORKER_DEBUG_FAULT_INJECTION", "true", 1);
    ::setenv("NMTD_WORKER_DEBUG_START_DELAY_MS", "1500", 1);
  }
  ~SlowWorkerStart() {
    ::unsetenv("NMTD_WORKER_DEBUG_FAULT_INJECTION");
    ::unsetenv("NMTD_WORKER_DEBUG_START_DELAY_MS");
  }
  SlowWorkerStart(const SlowWorkerStart&) = delete;
  SlowWorkerStart& operator=(const SlowWorkerStart&) = delete;
};

TEST(IdleUnload, RequestsArrivingWhileAWorkerWakesAreAllHeldAndAnswered) {
  const SlowWorkerStart slow;
  Unloaded server(shared_test_model());
  ASSERT_TRUE(server.unloaded) << server.serve.stderr_text();
  auto call = [&](int i) {
    auto stub = server.serve.stub();
    nmt::v1::TranslateResponse response;
    const auto status = translate(*stub, short_request("Wake " + std::to_string(i) + "."), response,
                                  {.deadline = 30s, .metadata = {}});
    return status.ok() && response.translations_size() == 1;
  };
  std::vector<std::future<bool>> first;
  first.push_back(std::async(std::launch::async, call, 0));
  ASSERT_TRUE(wait_until([&] { return state_of(server.serve) == "waking"; }, 5s))
      << server.serve.stderr_text();
  // Health keeps saying SERVING while the worker loads for the held call.
  EXPECT_EQ(server.serve.health(), Serving::SERVING);
  for (int i = 1; i <= 6; ++i) first.push_back(std::async(std::launch::async, call, i));
  int answered = 0;
  for (auto& f : first) answered += f.get() ? 1 : 0;
  EXPECT_EQ(answered, 7);
  const auto status = server.serve.status();
  ASSERT_EQ(status.workers_size(), 1);
  EXPECT_EQ(status.workers(0).generation(), 2);  // one worker started, not one per call
  EXPECT_EQ(status.requests().ok(), 7u);
  EXPECT_GE(status.last_wake_ms(), 1500);
}

TEST(IdleUnload, AWakeWhoseWorkerFailsGetsTheUsualBackoffAndErrors) {
  TempDir dir("idle-model");
  const auto model = dir.path() / "model";
  std::filesystem::copy(shared_test_model(), model, std::filesystem::copy_options::recursive);
  Unloaded server(model);
  ASSERT_TRUE(server.unloaded) << server.serve.stderr_text();
  // The model goes away while unloaded: the woken worker cannot load it.
  const auto away = dir.path() / "model.away";
  std::filesystem::rename(model, away);
  std::filesystem::create_directories(model);
  std::ofstream(model / "config.json") << "{}";
  auto stub = server.serve.stub();
  nmt::v1::TranslateResponse response;
  const auto failed =
      translate(*stub, make_request({"Hello."}), response, {.deadline = 3s, .metadata = {}});
  EXPECT_EQ(failed.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << failed.error_message();
  const auto log = server.serve.stderr_text();
  EXPECT_THAT(log, HasSubstr("failed to start after an idle unload"));
  EXPECT_THAT(log, HasSubstr("next worker in 200 ms"));
  const auto status = server.serve.status();
  EXPECT_GE(status.restarts_by_reason().at("exit"), 1u);
  // No worker and none sure to come: health says so, as for any crash loop.
  EXPECT_EQ(status.state(), "starting");
  EXPECT_NE(server.serve.health(), Serving::SERVING);
  // The model back: the next restart serves, and calls are answered again.
  std::filesystem::remove_all(model);
  std::filesystem::rename(away, model);
  ASSERT_TRUE(server.serve.wait_serving(30s)) << server.serve.stderr_text();
  EXPECT_TRUE(translate(*stub, make_request({"Hello."}), response).ok());
}

TEST(IdleUnload, NoUnloadWhileCallsRunAndTheIdleTimeStartsWhenTheLastEnds) {
  // A lone text waits 2.5 s for company before its batch runs: each call is in flight longer
  // than the idle unload.
  Unloaded server(shared_test_model(), "\n[worker]\nbatch_wait_us = 2500000\n");
  ASSERT_TRUE(server.unloaded) << server.serve.stderr_text();
  auto stub = server.serve.stub();
  nmt::v1::TranslateResponse response;
  ASSERT_TRUE(translate(*stub, short_request("Wake up."), response).ok());  // wakes it
  ASSERT_EQ(server.serve.status().idle_unloads(), 1u);
  auto slow = std::async(std::launch::async, [&] {
    auto own = server.serve.stub();
    nmt::v1::TranslateResponse r;
    return translate(*own, short_request("Take your time."), r).ok();
  });
  std::this_thread::sleep_for(1800ms);  // past the idle unload, with the call in flight
  EXPECT_EQ(state_of(server.serve), "serving");
  EXPECT_TRUE(slow.get());
  const auto answered_at = std::chrono::steady_clock::now();
  EXPECT_EQ(server.serve.status().idle_unloads(), 1u);
  ASSERT_TRUE(wait_until([&] { return server.serve.status().idle_unloads() == 2; }, 20s));
  // Idle from the end of the call, not its arrival (which is 2.5 s before its end).
  EXPECT_GE(std::chrono::steady_clock::now() - answered_at, 900ms);

  // Steady calls, always some in flight: never unloaded while they run.
  Load load(server.serve, 2);
  std::this_thread::sleep_for(4s);
  load.stop();
  EXPECT_EQ(server.serve.status().idle_unloads(), 2u);  // checked within the idle unload
  EXPECT_EQ(load.failed(), 0) << load.failures();
  EXPECT_GT(load.answered(), 0);
}

}  // namespace
}  // namespace nmtd::testing
