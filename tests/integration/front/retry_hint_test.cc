// `nmtd serve` passes on the retry hint of a refusal that may succeed later, on every API: the
// worker's, when a worker cannot finish a call before its deadline, and the front's own, when
// no worker is ready and its hold queue is full.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <thread>

#include "baketa/translation/v1/translation.grpc.pb.h"
#include "support/serve_process.h"
#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace pb = baketa::translation::v1;

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

std::string trailer(const grpc::ClientContext& ctx, const std::string& key) {
  const auto& trailers = ctx.GetServerTrailingMetadata();
  const auto it = trailers.find(key);
  return it == trailers.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

nmt::v1::TranslateRequest long_request(int texts, int tokens, const std::string& tag) {
  std::vector<std::string> sources;
  for (int i = 0; i < texts; ++i)
    sources.push_back("A long text, number " + std::to_string(i) + " of " + tag + ".");
  auto request = make_request(sources);
  request.mutable_options()->set_beam_size(1);
  request.mutable_options()->set_max_decoding_length(tokens);
  request.mutable_options()->set_min_decoding_length(tokens);
  return request;
}

TEST(FrontRetryHint, AWorkersRefusalKeepsItsRetryTrailersThroughTheFront) {
  ServeProcess serve(shared_test_model(), {"--workers", "1"});
  ASSERT_TRUE(serve.wait_workers_ready(1, 60s)) << serve.stderr_text();
  auto stub = serve.stub();
  // Measured speed first: a worker never refuses on a guess.
  int64_t warm_up_us = 0;
  for (int i = 0; i < 3; ++i) {
    nmt::v1::TranslateResponse r;
    ASSERT_TRUE(translate(*stub, long_request(8, 100, "warm-up " + std::to_string(i)), r).ok());
    warm_up_us = r.compute_time_us();
  }
  // 64 texts of 1000 output tokens are 80 times a warm-up's 8 of 100: a fifth of that is
  // clearly too short a deadline on any machine, however fast. At least 500 ms, so that on a
  // loaded machine the call reaches the worker's admission before its deadline passes (with
  // 200 ms it once ended DEADLINE_EXCEEDED under CI's load).
  const auto deadline = std::max<std::chrono::milliseconds>(
      500ms, std::chrono::milliseconds(warm_up_us * 80 / 5 / 1000));
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + deadline);
  nmt::v1::TranslateResponse response;
  const auto late = stub->Translate(&ctx, long_request(64, 1000, "late"), &response);
  ASSERT_EQ(late.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << late.error_message();
  EXPECT_THAT(late.error_message(), HasSubstr("cannot finish the request before its deadline"));
  const std::string pushback = trailer(ctx, "grpc-retry-pushback-ms");
  ASSERT_FALSE(pushback.empty()) << "the front dropped the worker's retry hint";
  const long long ms = std::stoll(pushback);
  EXPECT_GT(ms, 0);
  EXPECT_EQ(trailer(ctx, "retry-after"), std::to_string((ms + 999) / 1000));
}

// No worker ever starts (the model is no model) and nothing may wait for one: every call is
// refused at once by the front itself.
class FrontOwnRefusal : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bad_model_ = std::make_unique<TempDir>("bad-model");
    std::ofstream(bad_model_->path() / "config.json") << "{}";
    serve_ = std::make_unique<ServeProcess>(bad_model_->path(),
                                            std::vector<std::string>{"--workers", "1"},
                                            "[requests]\nhold_queue_capacity = 0\n");
    ASSERT_TRUE(wait_until([] { return serve_->health().has_value(); }, 30s))
        << serve_->stderr_text();
    ASSERT_TRUE(wait_until(
        [] {
          int code = 0;
          serve_->http_get("/readyz", &code);
          return code != 0;
        },
        30s))
        << serve_->stderr_text();
  }
  static void TearDownTestSuite() {
    serve_.reset();
    bad_model_.reset();
  }

  // The hint the front gives for its full hold queue (ForwardedCall::kHoldQueueFullRetryAfter).
  static void expect_hold_queue_hint(const grpc::ClientContext& ctx) {
    EXPECT_EQ(trailer(ctx, "grpc-retry-pushback-ms"), "1000");
    EXPECT_EQ(trailer(ctx, "retry-after"), "1");
  }

  static std::unique_ptr<TempDir> bad_model_;
  static std::unique_ptr<ServeProcess> serve_;
};
std::unique_ptr<TempDir> FrontOwnRefusal::bad_model_;
std::unique_ptr<ServeProcess> FrontOwnRefusal::serve_;

TEST_F(FrontOwnRefusal, NmtV1CallsGetTheRetryTrailersOrTheHintInTheStreamsMessage) {
  auto stub = serve_->stub();
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  nmt::v1::TranslateResponse response;
  const auto status = stub->Translate(&ctx, make_request({"Hello."}), &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  expect_hold_queue_hint(ctx);

  // A stream answers in band, and StreamError has no field for a hint: its message says it.
  grpc::ClientContext stream_ctx;
  stream_ctx.set_deadline(std::chrono::system_clock::now() + 10s);
  auto stream = stub->TranslateStream(&stream_ctx);
  ASSERT_TRUE(stream->Write(make_request({"Hello."})));
  nmt::v1::TranslateStreamResponse answer;
  ASSERT_TRUE(stream->Read(&answer));
  EXPECT_EQ(answer.error().code(), static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_THAT(answer.error().message(), HasSubstr("retry in about 1000 ms"));
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(FrontOwnRefusal, LibreTranslateAnswers429WithRetryAfter) {
  httplib::Client client("127.0.0.1", serve_->http_port());
  client.set_read_timeout(30s);
  const auto r =
      client.Post("/translate", R"({"q": ["Hello.", "World."], "source": "en", "target": "fr"})",
                  "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429) << r->body;
  EXPECT_EQ(r->get_header_value("Retry-After"), "1");
}

TEST_F(FrontOwnRefusal, BaketaCallsGetTheRetryTrailers) {
  auto baketa = pb::TranslationService::NewStub(serve_->channel());
  pb::TranslateRequest request;
  request.set_request_id("r1");
  request.set_source_text("Hello.");
  request.mutable_source_language()->set_code("en");
  request.mutable_target_language()->set_code("fr");
  {
    grpc::ClientContext ctx;
    pb::TranslateResponse response;
    const auto status = baketa->Translate(&ctx, request, &response);
    ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
    expect_hold_queue_hint(ctx);
  }
  pb::BatchTranslateRequest batch;
  batch.set_batch_id("b1");
  *batch.add_requests() = request;
  request.mutable_target_language()->set_code("de");  // a second pair: a second facade call
  *batch.add_requests() = request;
  grpc::ClientContext ctx;
  pb::BatchTranslateResponse response;
  const auto status = baketa->TranslateBatch(&ctx, batch, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  expect_hold_queue_hint(ctx);
}

}  // namespace
}  // namespace nmtd::testing
