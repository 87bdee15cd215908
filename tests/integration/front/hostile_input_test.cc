// `nmtd serve` against what clients should not send but do (bytes that are no request on each
// gRPC API, a stream with one, alternatives past any beam, ids that forge log lines), and the
// metrics counting every API's calls by what became of them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "baketa/translation/v1/translation.grpc.pb.h"
#include "support/serve_process.h"
#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
namespace pb = baketa::translation::v1;

const std::string kGarbage = "\xff\xff\xff";

bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

class FrontHostileInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { start_server(); }
  static void start_server() {
    serve_.reset();
    serve_ = std::make_unique<ServeProcess>(shared_test_model(),
                                            std::vector<std::string>{"--workers", "1"});
    ASSERT_TRUE(serve_->wait_serving()) << serve_->stderr_text();
  }
  static void TearDownTestSuite() { serve_.reset(); }

  // The value of one series of /metrics, e.g. nmtd_requests_total{api="baketa",outcome="ok"}.
  static double metric(const std::string& series) {
    int code = 0;
    const std::string text = serve_->http_get("/metrics", &code);
    const auto at = text.find("\n" + series + " ");
    if (code != 200 || at == std::string::npos) return -1;
    return std::stod(text.substr(at + series.size() + 2));
  }
  static std::string requests(const std::string& api, const std::string& outcome) {
    return "nmtd_requests_total{api=\"" + api + "\",outcome=\"" + outcome + "\"}";
  }

  static std::unique_ptr<ServeProcess> serve_;
};
std::unique_ptr<ServeProcess> FrontHostileInput::serve_;

TEST_F(FrontHostileInput, BytesThatAreNoRequestAreInvalidArgumentOnEveryApi) {
  const double before = metric(requests("nmt_v1", "invalid_argument"));
  auto status = call_raw(serve_->channel(), "/nmt.v1.Translator/Translate", kGarbage);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("the request is not a valid nmt.v1.TranslateRequest"));
  status = call_raw(serve_->channel(), "/nmt.v1.Translator/ListLanguages", kGarbage);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("nmt.v1.ListLanguagesRequest"));
  EXPECT_EQ(metric(requests("nmt_v1", "invalid_argument")), before + 2);

  // Baketa's contract is proto3: a string holding invalid UTF-8 does not parse.
  pb::TranslateRequest baketa;
  baketa.set_request_id("b1");
  baketa.set_source_text("bad @@ bytes");
  baketa.mutable_source_language()->set_code("en");
  baketa.mutable_target_language()->set_code("ja");
  std::string payload = baketa.SerializeAsString();
  payload.replace(payload.find("@@"), 2, "\xff\xfe");
  status =
      call_raw(serve_->channel(), "/baketa.translation.v1.TranslationService/Translate", payload);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("not a valid baketa.translation.v1.TranslateRequest: field `source_text` "
                        "is not valid UTF-8 (first bad byte at offset 4)"));
  // Nested and repeated fields are named by their path.
  pb::BatchTranslateRequest batch;
  *batch.add_requests() = baketa;
  auto& second = *batch.add_requests();
  second = baketa;
  second.set_source_text("fine");
  second.mutable_target_language()->set_code("j@@");
  payload = batch.SerializeAsString();
  payload.replace(payload.rfind("@@"), 2, "\xc0\xaf");
  payload.replace(payload.find("@@"), 2, "ok");
  status = call_raw(serve_->channel(), "/baketa.translation.v1.TranslationService/TranslateBatch",
                    payload);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("field `requests[1].target_language.code`"));
  for (const char* method : {"HealthCheck", "IsReady"}) {
    status = call_raw(serve_->channel(),
                      std::string("/baketa.translation.v1.TranslationService/") + method, kGarbage);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << method;
  }
}

TEST_F(FrontHostileInput, AStreamAnswersAMessageThatDoesNotParseAndGoesOn) {
  expect_stream_answers_unparsable_in_band(serve_->channel());
}

TEST_F(FrontHostileInput, AlternativesPastTheBeamAreA400NamingTheLimit) {
  httplib::Client client("127.0.0.1", serve_->http_port());
  client.set_read_timeout(60s);
  for (const char* alternatives : {"2147483647", "1e300", "128"}) {
    const std::string body = std::string(R"({"q": "Hello", "source": "en", "target": "fr", )") +
                             R"("alternatives": )" + alternatives + "}";
    const auto r = client.Post("/translate", body, "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << alternatives << ": " << r->body;
    EXPECT_THAT(r->body, HasSubstr("alternatives parameter must be <= 127")) << alternatives;
  }
}

TEST_F(FrontHostileInput, EveryApiCountsItsCalls) {
  const double baketa_ok = metric(requests("baketa", "ok"));
  const double lt_ok = metric(requests("libretranslate", "ok"));
  const double lt_invalid = metric(requests("libretranslate", "invalid_argument"));
  ASSERT_GE(baketa_ok, 0);
  ASSERT_GE(lt_ok, 0);

  auto baketa = pb::TranslationService::NewStub(serve_->channel());
  pb::TranslateRequest request;
  request.set_source_text("Count me.");
  request.mutable_source_language()->set_code("en");
  request.mutable_target_language()->set_code("fr");
  pb::TranslateResponse response;
  grpc::ClientContext ctx;
  ASSERT_TRUE(baketa->Translate(&ctx, request, &response).ok());
  EXPECT_EQ(metric(requests("baketa", "ok")), baketa_ok + 1);

  httplib::Client client("127.0.0.1", serve_->http_port());
  client.set_read_timeout(60s);
  auto r = client.Post("/translate", R"({"q": "Count me.", "source": "en", "target": "fr"})",
                       "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  r = client.Post("/translate", R"({"source": "en", "target": "fr"})", "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 400) << r->body;
  EXPECT_EQ(metric(requests("libretranslate", "ok")), lt_ok + 1);
  EXPECT_EQ(metric(requests("libretranslate", "invalid_argument")), lt_invalid + 1);
}

TEST_F(FrontHostileInput, CallsThatRunOutOfTimeCountAsDeadlineNotCancelled) {
  // A worker that has measured its engine refuses at once (RESOURCE_EXHAUSTED) a call it cannot
  // finish in time; one that has not yet lets such a call run out of time. Earlier tests of the
  // suite may have warmed the shared server, so this one starts its own.
  start_server();
  const double deadline = metric(requests("nmt_v1", "deadline_exceeded"));
  const double cancelled = metric(requests("nmt_v1", "cancelled"));
  auto stub = serve_->stub();
  nmt::v1::TranslateResponse warm;  // a connected channel: the calls below reach the front
  ASSERT_TRUE(translate(*stub, make_request({"Warm."}), warm).ok());
  constexpr int kCalls = 3;
  for (int i = 0; i < kCalls; ++i) {
    auto request = make_request({"A call with one millisecond to live " + std::to_string(i)});
    nmt::v1::TranslateResponse response;
    EXPECT_EQ(translate(*stub, request, response, {.deadline = 1ms, .metadata = {}}).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  // The front counts a call when it answers, which may be after the client gave up; a call
  // whose millisecond ran out before it reached the front (under CI's load, once 2 of 3 were
  // counted) is not counted at all. Every call it counts is a deadline, none a
  // cancellation.
  EXPECT_TRUE(wait_until(
      [&] {
        return metric(requests("nmt_v1", "deadline_exceeded")) +
                   metric(requests("nmt_v1", "cancelled")) >=
               deadline + cancelled + 1;
      },
      10s));
  EXPECT_EQ(metric(requests("nmt_v1", "cancelled")), cancelled);
  EXPECT_GE(metric(requests("nmt_v1", "deadline_exceeded")), deadline + 1);
  EXPECT_LE(metric(requests("nmt_v1", "deadline_exceeded")), deadline + kCalls);
}

TEST_F(FrontHostileInput, RequestIdsCannotForgeLogLines) {
  auto stub = serve_->stub();
  auto request = make_request({"Hi."}, "eng_Latn", "xxx_Xxxx");  // the worker logs the refusal
  request.set_request_id("evil\nFORGED line\x1b[31m");
  nmt::v1::TranslateResponse response;
  ASSERT_EQ(translate(*stub, request, response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(wait_until(
      [&] {
        return serve_->stderr_text().find("evil\\x0aFORGED line\\x1b[31m") != std::string::npos;
      },
      10s))
      << serve_->stderr_text();
  EXPECT_THAT(serve_->stderr_text(), Not(HasSubstr("\nFORGED")));
  EXPECT_THAT(serve_->stderr_text(), Not(HasSubstr("\x1b[31m")));
}

}  // namespace
}  // namespace nmtd::testing
