// Baketa's unchanged client contract against `nmtd serve`: every RPC, what the old server did
// that clients rely on, what it got wrong, the launcher's start lines, idle keepalive pings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "baketa/translation/v1/translation.grpc.pb.h"
#include "support/serve_process.h"
#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace pb = baketa::translation::v1;

class Baketa : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    serve_ = std::make_unique<ServeProcess>(shared_test_model(),
                                            std::vector<std::string>{"--workers", "1"});
    ASSERT_TRUE(serve_->wait_serving()) << serve_->stderr_text();
  }
  static void TearDownTestSuite() { serve_.reset(); }
  void SetUp() override { stub_ = pb::TranslationService::NewStub(serve_->channel()); }

  static pb::TranslateRequest request(const std::string& text, const std::string& source,
                                      const std::string& target, const std::string& id = "r1") {
    pb::TranslateRequest r;
    r.set_request_id(id);
    r.set_source_text(text);
    r.mutable_source_language()->set_code(source);
    r.mutable_target_language()->set_code(target);
    return r;
  }
  grpc::Status translate(const pb::TranslateRequest& r, pb::TranslateResponse& out) {
    grpc::ClientContext ctx;  // like the client: no deadline (the server applies its default)
    return stub_->Translate(&ctx, r, &out);
  }

  static std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<pb::TranslationService::Stub> stub_;
};
std::unique_ptr<ServeProcess> Baketa::serve_;

TEST_F(Baketa, TranslateAnswersLikeTheEngineWithTheOldServersDecoding) {
  pb::TranslateResponse out;
  ASSERT_TRUE(translate(request("Hello world.", "en", "ja", "guid-1"), out).ok());
  EXPECT_TRUE(out.is_success());
  EXPECT_EQ(out.request_id(), "guid-1");
  EXPECT_EQ(out.source_text(), "Hello world.");
  EXPECT_EQ(out.source_language().code(), "en");
  EXPECT_EQ(out.target_language().code(), "ja");
  EXPECT_EQ(out.engine_name(), "nmtd");
  EXPECT_LE(out.confidence_score(), 0.0f);
  EXPECT_TRUE(out.has_timestamp());
  EXPECT_EQ(out.metadata().at("source_language"), "eng_Latn");
  EXPECT_EQ(out.metadata().at("target_language"), "jpn_Jpan");
  const auto expected = engine_translations(
      {"Hello world."}, {"--target", "jpn_Jpan", "--beam-size", "1", "--repetition-penalty", "1.2",
                         "--no-repeat-ngram-size", "3", "--max-decoding-length", "256"});
  EXPECT_EQ(out.translated_text(), expected.front());
}

TEST_F(Baketa, KeepsTheOldServersAnswers) {
  pb::TranslateResponse out;
  ASSERT_TRUE(translate(request("   \n ", "en", "ja"), out).ok());
  EXPECT_TRUE(out.is_success());
  EXPECT_EQ(out.translated_text(), "");
  EXPECT_EQ(out.confidence_score(), 0.0f);
  auto status = translate(request("Hello", "en", "xx-nowhere"), out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(status.error_message(), HasSubstr("xx-nowhere"));
  status = translate(request(std::string(10'001, 'a'), "en", "ja"), out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("10000"));
  // Case-insensitive codes; zh-CN/zh-TW are Chinese in its two scripts, not unknown tokens.
  ASSERT_TRUE(translate(request("Good morning", "EN", "zh-TW"), out).ok());
  EXPECT_EQ(out.metadata().at("target_language"), "zho_Hant");
  ASSERT_TRUE(translate(request("Good morning", "zh-CN", "en"), out).ok());
  EXPECT_EQ(out.metadata().at("source_language"), "zho_Hans");
}

TEST_F(Baketa, BatchHonoursEachItemAndReportsItsOwnErrorsInBand) {
  pb::BatchTranslateRequest batch;
  batch.set_batch_id("b-7");
  *batch.add_requests() = request("Hello.", "en", "ja", "a");
  *batch.add_requests() = request("Bonjour.", "fr", "de", "b");
  *batch.add_requests() = request("Hi", "en", "klingon", "c");
  *batch.add_requests() = request("", "en", "ja", "d");
  pb::BatchTranslateResponse out;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->TranslateBatch(&ctx, batch, &out).ok());
  ASSERT_EQ(out.responses_size(), 4);
  EXPECT_EQ(out.batch_id(), "b-7");
  EXPECT_EQ(out.success_count(), 3);
  EXPECT_EQ(out.failure_count(), 1);
  EXPECT_EQ(out.responses(0).request_id(), "a");
  EXPECT_EQ(out.responses(1).metadata().at("source_language"), "fra_Latn");
  EXPECT_EQ(out.responses(1).metadata().at("target_language"), "deu_Latn");
  EXPECT_FALSE(out.responses(2).is_success());
  EXPECT_EQ(out.responses(2).error().error_type(), pb::TRANSLATION_ERROR_TYPE_UNSUPPORTED_LANGUAGE);
  EXPECT_THAT(out.responses(2).error().message(), HasSubstr("klingon"));
  EXPECT_TRUE(out.responses(3).is_success());

  pb::BatchTranslateRequest empty;
  grpc::ClientContext ctx2;
  EXPECT_EQ(stub_->TranslateBatch(&ctx2, empty, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  pb::BatchTranslateRequest big;
  for (int i = 0; i < 33; ++i) *big.add_requests() = request("x", "en", "ja");
  grpc::ClientContext ctx3;
  EXPECT_EQ(stub_->TranslateBatch(&ctx3, big, &out).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(Baketa, HealthAndReadinessTellTheTruth) {
  pb::HealthCheckResponse health;
  grpc::ClientContext ctx;
  ASSERT_TRUE(stub_->HealthCheck(&ctx, {}, &health).ok());
  EXPECT_TRUE(health.is_healthy());
  EXPECT_EQ(health.status(), "OK");
  EXPECT_FALSE(health.details().at("server_version").empty());
  pb::IsReadyResponse ready;
  grpc::ClientContext ctx2;
  ASSERT_TRUE(stub_->IsReady(&ctx2, {}, &ready).ok());
  EXPECT_TRUE(ready.is_ready());
  EXPECT_EQ(ready.status(), "READY");
  EXPECT_EQ(check_health(serve_->channel(), "translation_engine"),
            grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(check_health(serve_->channel(), ""), grpc::health::v1::HealthCheckResponse::SERVING);
}

TEST_F(Baketa, LauncherStartLines) {
  const auto err = serve_->stderr_text();
  const auto at = err.find("[SERVER_START]");
  ASSERT_NE(at, std::string::npos) << err;
  const auto line = err.substr(err.rfind('\n', at) + 1, err.find('\n', at) - err.rfind('\n', at));
  for (const char* bad : {"Error", "Exception", "Traceback", "Warning", "WARN"})
    EXPECT_THAT(line, ::testing::Not(HasSubstr(bad))) << line;
  EXPECT_THAT(read_file(serve_->dir() / "stdout.txt"), HasSubstr("is running on 127.0.0.1:"));
}

TEST_F(Baketa, MultiLineTextKeepsItsLayoutAndRepeatedLinesComeFromTheCache) {
  const std::string text = "Save the file.\nQuit the game?\n\n  Save the file.";
  pb::TranslateResponse out;
  ASSERT_TRUE(translate(request(text, "en", "fr"), out).ok());
  const auto& t = out.translated_text();
  EXPECT_EQ(std::count(t.begin(), t.end(), '\n'), 3) << t;
  EXPECT_NE(t.find("\n\n  "), std::string::npos) << t;
  EXPECT_EQ(out.metadata().at("pieces"), "3");
  // The first and last lines are the same sentence: the second time it is a cache hit.
  const auto lines = engine_translations(
      {"Save the file.", "Quit the game?"},
      {"--beam-size", "1", "--repetition-penalty", "1.2", "--no-repeat-ngram-size", "3"});
  EXPECT_EQ(t, lines[0] + "\n" + lines[1] + "\n\n  " + lines[0]);
}

TEST_F(Baketa, AutoSourceIsDetected) {
  pb::TranslateResponse out;
  ASSERT_TRUE(translate(request("The quick brown fox jumps over the lazy dog near the river bank.",
                                "auto", "ja"),
                        out)
                  .ok());
  EXPECT_EQ(out.metadata().at("detected_language"), "eng_Latn");
  EXPECT_FALSE(out.metadata().at("detection_confidence").empty());
  const auto status = translate(request("ok", "auto", "ja"), out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(Baketa, EveryNllbLanguageRoutesBothWays) {
  auto stub = serve_->stub();
  grpc::ClientContext lctx;
  nmt::v1::ListLanguagesResponse languages;
  ASSERT_TRUE(stub->ListLanguages(&lctx, {}, &languages).ok());
  ASSERT_GE(languages.languages_size(), 200);
  int answered = 0;
  for (int from = 0; from < 2; ++from) {
    for (int i = 0; i < languages.languages_size(); i += 32) {
      pb::BatchTranslateRequest batch;
      for (int k = i; k < std::min(i + 32, languages.languages_size()); ++k) {
        const auto& code = languages.languages(k);
        *batch.add_requests() =
            from == 0 ? request("Hello", "eng_Latn", code) : request("Hello", code, "eng_Latn");
      }
      pb::BatchTranslateResponse out;
      grpc::ClientContext ctx;
      ASSERT_TRUE(stub_->TranslateBatch(&ctx, batch, &out).ok());
      EXPECT_EQ(out.failure_count(), 0);
      answered += out.success_count();
    }
  }
  EXPECT_EQ(answered, 2 * languages.languages_size());
}

TEST(BaketaKeepalive, AnIdleClientPingingEvery10sKeepsItsConnection) {
  ServeProcess serve(shared_test_model(), {"--workers", "1"});
  ASSERT_TRUE(serve.wait_serving()) << serve.stderr_text();
  grpc::ChannelArguments args;  // Baketa's channel: pings every 10 s, also when idle
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  auto channel =
      grpc::CreateCustomChannel(serve.target(), grpc::InsecureChannelCredentials(), args);
  auto stub = pb::TranslationService::NewStub(channel);
  pb::HealthCheckResponse health;
  {
    grpc::ClientContext ctx;
    ASSERT_TRUE(stub->HealthCheck(&ctx, {}, &health).ok());
  }
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  // Idle for over a minute: 6+ pings. A GOAWAY too_many_pings would drop the connection and the
  // channel would leave READY.
  const auto until = std::chrono::system_clock::now() + 65s;
  bool left_ready = false;
  while (std::chrono::system_clock::now() < until) {
    if (channel->WaitForStateChange(GRPC_CHANNEL_READY, until)) {
      left_ready = true;
      break;
    }
  }
  EXPECT_FALSE(left_ready) << "the connection was dropped while idle: " << channel->GetState(false);
  grpc::ClientContext ctx;
  EXPECT_TRUE(stub->HealthCheck(&ctx, {}, &health).ok());
}

}  // namespace
}  // namespace nmtd::testing
