// One worker for the suite: translations, the cache, streams, languages, status, and the
// bad-input answers (each followed by proof that the worker still serves).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <thread>

#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using ::testing::HasSubstr;

class Serving : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    worker_ = std::make_unique<WorkerProcess>(shared_test_model());
    ASSERT_TRUE(worker_->wait_serving()) << worker_->stderr_text();
  }
  static void TearDownTestSuite() {
    worker_->signal(SIGTERM);
    const auto status = worker_->wait_exit(std::chrono::seconds(30));
    EXPECT_TRUE(status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
        << worker_->stderr_text();
    worker_.reset();
  }
  void SetUp() override { stub_ = nmt::v1::Translator::NewStub(worker_->channel()); }

  // A valid request after each bad one: the worker must still answer.
  void expect_still_serving() {
    nmt::v1::TranslateResponse response;
    const auto status = translate(*stub_, make_request({"Still there?"}), response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.translations_size(), 1);
    EXPECT_TRUE(worker_->running());
  }

  static std::unique_ptr<WorkerProcess> worker_;
  std::unique_ptr<nmt::v1::Translator::Stub> stub_;
};

std::unique_ptr<WorkerProcess> Serving::worker_;

TEST_F(Serving, TranslationsEqualTheEngines) {
  const std::vector<std::string> texts{"Hello world.", "How are you today?",
                                       "The cat sat on the mat.", "A", ""};
  auto request = make_request(texts);
  request.mutable_options()->set_beam_size(2);
  request.mutable_options()->set_return_scores(true);
  nmt::v1::TranslateResponse response;
  const auto status = translate(*stub_, request, response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const auto expected = engine_translations(texts, {"--beam-size", "2", "--return-scores"});
  ASSERT_EQ(response.translations_size(), static_cast<int>(texts.size()));
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const auto& t = response.translations(static_cast<int>(i));
    const auto tab = expected[i].find('\t');
    EXPECT_EQ(t.text(), expected[i].substr(tab + 1)) << "text " << i;
    ASSERT_EQ(t.hypotheses_size(), 1);
    EXPECT_NEAR(t.hypotheses(0).score(), std::stof(expected[i].substr(0, tab)), 1e-5);
  }
}

TEST_F(Serving, ConcurrentCallersGetTheSameAnswersAsAlone) {
  // Batching across calls must not change any text's translation.
  std::vector<std::string> texts;
  for (int i = 0; i < 12; ++i) texts.push_back("Sentence number " + std::to_string(i) + " here.");
  const auto expected = engine_translations(texts, {"--beam-size", "1"});
  std::vector<std::string> got(texts.size());
  std::vector<std::jthread> callers;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    callers.emplace_back([&, i] {
      auto stub = nmt::v1::Translator::NewStub(worker_->channel());
      auto request = make_request({texts[i]});
      request.mutable_options()->set_beam_size(1);
      nmt::v1::TranslateResponse response;
      if (translate(*stub, request, response).ok()) got[i] = response.translations(0).text();
    });
  }
  callers.clear();
  EXPECT_EQ(got, expected);
}

TEST_F(Serving, NBestListsComeBestFirst) {
  auto request = make_request({"Good morning."});
  request.mutable_options()->set_beam_size(4);
  request.mutable_options()->set_num_hypotheses(3);
  request.mutable_options()->set_return_scores(true);
  nmt::v1::TranslateResponse response;
  ASSERT_TRUE(translate(*stub_, request, response).ok());
  const auto& t = response.translations(0);
  ASSERT_EQ(t.hypotheses_size(), 3);
  EXPECT_EQ(t.text(), t.hypotheses(0).text());
  EXPECT_GE(t.hypotheses(0).score(), t.hypotheses(1).score());
  EXPECT_GE(t.hypotheses(1).score(), t.hypotheses(2).score());
}

TEST_F(Serving, RepeatedTextsComeFromTheCache) {
  const auto before = get_status(*stub_).cache();
  const auto request = make_request({"A label the UI shows all day.", "Another label."});
  nmt::v1::TranslateResponse first, second;
  ASSERT_TRUE(translate(*stub_, request, first).ok());
  ASSERT_TRUE(translate(*stub_, request, second).ok());
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(first.translations(i).from_cache());
    EXPECT_TRUE(second.translations(i).from_cache());
    EXPECT_EQ(first.translations(i).text(), second.translations(i).text());
  }
  const auto after = get_status(*stub_).cache();
  EXPECT_EQ(after.hits(), before.hits() + 2);
  EXPECT_EQ(after.misses(), before.misses() + 2);
  EXPECT_GE(after.entries(), before.entries() + 2);
  // Other options are another key.
  auto beam = request;
  beam.mutable_options()->set_beam_size(3);
  nmt::v1::TranslateResponse third;
  ASSERT_TRUE(translate(*stub_, beam, third).ok());
  EXPECT_FALSE(third.translations(0).from_cache());
}

TEST_F(Serving, RequestIdsAreEchoed) {
  auto request = make_request({"Echo me."});
  request.set_request_id("client-id-1");
  nmt::v1::TranslateResponse response;
  ASSERT_TRUE(translate(*stub_, request, response).ok());
  EXPECT_EQ(response.request_id(), "client-id-1");
  nmt::v1::TranslateResponse from_metadata;
  ASSERT_TRUE(
      translate(*stub_, make_request({"Echo me."}), from_metadata,
                {.deadline = std::chrono::seconds(30), .metadata = {{"x-request-id", "md-id-2"}}})
          .ok());
  EXPECT_EQ(from_metadata.request_id(), "md-id-2");
}

TEST_F(Serving, ListsTheModelsLanguages) {
  grpc::ClientContext ctx;
  nmt::v1::ListLanguagesResponse response;
  ASSERT_TRUE(stub_->ListLanguages(&ctx, {}, &response).ok());
  EXPECT_THAT(response.languages(), ::testing::Contains("eng_Latn"));
  EXPECT_THAT(response.languages(), ::testing::Contains("jpn_Jpan"));
  EXPECT_EQ(response.languages_size(), 202);
}

TEST_F(Serving, StatusDescribesTheWorker) {
  const auto s = get_status(*stub_);
  EXPECT_EQ(s.state(), "serving");
  EXPECT_EQ(s.pid(), worker_->pid());
  EXPECT_EQ(s.device(), "cpu");
  EXPECT_FALSE(s.version().empty());
  EXPECT_EQ(s.model_path(), shared_test_model().string());
  EXPECT_EQ(s.threads(), 1);
  EXPECT_GT(s.uptime_ms(), 0);
  EXPECT_EQ(s.queue_capacity(), 128);
  EXPECT_GT(s.resources().rss_bytes(), 0);
  EXPECT_GT(s.resources().threads(), 2);
  EXPECT_GT(s.resources().open_fds(), 2);
  EXPECT_FALSE(s.resources().gpu_available());
  EXPECT_FALSE(s.engine_stalled());
}

TEST_F(Serving, StreamAnswersEveryMessageInOrder) {
  grpc::ClientContext ctx;
  auto stream = stub_->TranslateStream(&ctx);
  std::vector<nmt::v1::TranslateRequest> requests;
  for (int i = 0; i < 5; ++i) {
    auto r = make_request({"Stream line " + std::to_string(i) + "."});
    r.set_request_id(std::string("s").append(std::to_string(i)));
    if (i == 2) r.set_target_language("xxx_Xxxx");  // answered in-band, the stream goes on
    requests.push_back(r);
  }
  for (const auto& r : requests) {
    ASSERT_TRUE(stream->Write(r));
    nmt::v1::TranslateStreamResponse answer;
    ASSERT_TRUE(stream->Read(&answer));
    EXPECT_EQ(answer.request_id(), r.request_id());
    if (r.request_id() == "s2") {
      EXPECT_EQ(answer.error().code(), static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
      EXPECT_THAT(answer.error().message(), HasSubstr("xxx_Xxxx"));
    } else {
      nmt::v1::TranslateResponse unary;
      ASSERT_TRUE(translate(*stub_, r, unary).ok());
      ASSERT_EQ(answer.response().translations_size(), 1);
      EXPECT_EQ(answer.response().translations(0).text(), unary.translations(0).text());
    }
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
}

struct BadInput {
  const char* name;
  nmt::v1::TranslateRequest request;
  grpc::StatusCode code;
  const char* message;
  std::string raw_payload = {};  // sent as it is instead of `request` when set
};

TEST_F(Serving, BadInputGetsTheDocumentedAnswerAndNothingElseChanges) {
  std::vector<BadInput> cases;
  cases.push_back({"invalid UTF-8",
                   {},
                   grpc::StatusCode::INVALID_ARGUMENT,
                   "text 1 is not valid UTF-8",
                   serialized_with(make_request({"ok", "bad @@ bytes"}), "@@", "\xff\xfe")});
  cases.push_back({"10 MiB text", make_request({std::string(10u << 20, 'a')}),
                   grpc::StatusCode::INVALID_ARGUMENT, "the limit is 65536 bytes"});
  cases.push_back({"100,000 texts", make_request(std::vector<std::string>(100000, "hi")),
                   grpc::StatusCode::INVALID_ARGUMENT, "100000 texts; the limit is 64"});
  cases.push_back({"unknown source", make_request({"hi"}, "klingon"),
                   grpc::StatusCode::INVALID_ARGUMENT, "klingon"});
  cases.push_back({"missing target", make_request({"hi"}, "eng_Latn", ""),
                   grpc::StatusCode::INVALID_ARGUMENT, "target_language is required"});
  cases.push_back({"empty request", nmt::v1::TranslateRequest(), grpc::StatusCode::INVALID_ARGUMENT,
                   "no texts"});
  auto beam0 = make_request({"hi"});
  beam0.mutable_options()->set_beam_size(0);
  cases.push_back({"beam 0", beam0, grpc::StatusCode::INVALID_ARGUMENT, "beam_size"});
  std::string long_text;
  for (int i = 0; i < 3000; ++i) long_text += "word" + std::to_string(i) + " ";
  cases.push_back({"too many tokens", make_request({long_text}), grpc::StatusCode::INVALID_ARGUMENT,
                   "tokens long; the limit is 1024"});
  cases.push_back({"over gRPC's message bound", make_request({std::string(17u << 20, 'a')}),
                   grpc::StatusCode::RESOURCE_EXHAUSTED, ""});
  const auto before = get_status(*stub_);
  for (const auto& c : cases) {
    nmt::v1::TranslateResponse response;
    const auto status = c.raw_payload.empty() ? translate(*stub_, c.request, response)
                                              : translate_raw(worker_->channel(), c.raw_payload);
    EXPECT_EQ(status.error_code(), c.code) << c.name << ": " << status.error_message();
    EXPECT_THAT(status.error_message(), HasSubstr(c.message)) << c.name;
    expect_still_serving();
  }
  const auto after = get_status(*stub_);
  EXPECT_EQ(after.requests().invalid_argument(), before.requests().invalid_argument() + 8);
  EXPECT_EQ(after.queue_depth(), 0);
}

TEST_F(Serving, GarbageBytesOnTheSocketDoNotHurt) {
  std::mt19937 rng(5);
  for (int round = 0; round < 5; ++round) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = worker_->target().substr(5);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    std::string garbage(64 << 10, '\0');
    for (auto& c : garbage) c = static_cast<char>(rng());
    if (round == 0) garbage.replace(0, 24, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");  // then nonsense
    (void)!::write(fd, garbage.data(), garbage.size());
    ::close(fd);
  }
  expect_still_serving();
}

TEST_F(Serving, IdleClientsPingingOftenAreNeverSentAway) {
  // Baketa pings every 10 s while idle; here every second, to see strikes within the test.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 1000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  args.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  args.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  auto channel = worker_->channel(args);
  auto stub = nmt::v1::Translator::NewStub(channel);
  nmt::v1::TranslateResponse response;
  ASSERT_TRUE(translate(*stub, make_request({"Ping me."}), response).ok());
  ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(6);
  while (std::chrono::steady_clock::now() < until) {
    // A GOAWAY (too_many_pings) would take the channel out of READY.
    ASSERT_EQ(channel->GetState(false), GRPC_CHANNEL_READY);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(translate(*stub, make_request({"Ping me."}), response).ok());
  EXPECT_THAT(worker_->log_text(), ::testing::Not(HasSubstr("too_many_pings")));
}

}  // namespace
}  // namespace nmtd::testing
