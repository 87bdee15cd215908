// A worker against what clients should not send but do: bytes that are no request, blank
// texts, decoding lengths past the model, request ids that forge log lines or are not UTF-8.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/utf8.h"
#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const std::string kGarbage = "\xff\xff\xff";

class HostileInput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    worker_ = std::make_unique<WorkerProcess>(shared_test_model());
    ASSERT_TRUE(worker_->wait_serving()) << worker_->stderr_text();
  }
  static void TearDownTestSuite() { worker_.reset(); }
  void SetUp() override { stub_ = nmt::v1::Translator::NewStub(worker_->channel()); }

  static std::unique_ptr<WorkerProcess> worker_;
  std::unique_ptr<nmt::v1::Translator::Stub> stub_;
};

std::unique_ptr<WorkerProcess> HostileInput::worker_;

TEST_F(HostileInput, BytesThatAreNoRequestAreInvalidArgumentSayingSo) {
  const auto before = get_status(*stub_).requests().invalid_argument();
  auto status = call_raw(worker_->channel(), "/nmt.v1.Translator/Translate", kGarbage);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("the request is not a valid nmt.v1.TranslateRequest"));
  EXPECT_THAT(status.error_message(), HasSubstr("not protobuf wire format"));
  status = call_raw(worker_->channel(), "/nmt.v1.Translator/ListLanguages", kGarbage);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("nmt.v1.ListLanguagesRequest"));
  EXPECT_EQ(get_status(*stub_).requests().invalid_argument(), before + 2);
}

TEST_F(HostileInput, AStreamAnswersAMessageThatDoesNotParseAndGoesOn) {
  expect_stream_answers_unparsable_in_band(worker_->channel());
}

TEST_F(HostileInput, BlankTextsComeBackAsTheyAreWithoutTheEngine) {
  const auto before = get_status(*stub_).texts_translated();
  nmt::v1::TranslateResponse response;
  auto request = make_request({"", " ", "\n", "\t \xe3\x80\x80 "});
  request.mutable_options()->set_num_hypotheses(2);
  request.mutable_options()->set_beam_size(2);
  ASSERT_TRUE(translate(*stub_, request, response).ok());
  ASSERT_EQ(response.translations_size(), 4);
  for (int i = 0; i < 4; ++i) {
    const auto& t = response.translations(i);
    EXPECT_EQ(t.text(), request.texts(i)) << i;
    ASSERT_EQ(t.hypotheses_size(), 2) << i;
    EXPECT_EQ(t.hypotheses(1).text(), request.texts(i)) << i;
    EXPECT_FALSE(t.from_cache());
  }
  EXPECT_EQ(get_status(*stub_).texts_translated(), before);
  // Among other texts, in their places.
  ASSERT_TRUE(translate(*stub_, make_request({"Hello.", "", "World."}), response).ok());
  ASSERT_EQ(response.translations_size(), 3);
  EXPECT_EQ(response.translations(1).text(), "");
  EXPECT_NE(response.translations(0).text(), "");
}

TEST_F(HostileInput, TheCommandLineLeavesBlankTextsAsTheyAre) {
  const auto lines = engine_translations({"", " "}, {});
  EXPECT_EQ(lines, (std::vector<std::string>{"", " "}));
}

TEST_F(HostileInput, DecodingPastTheModelsPositionsIsRefusedAtAdmission) {
  for (const int length : {2147483647, 1025}) {
    auto request = make_request({"Hello."});
    request.mutable_options()->set_max_decoding_length(length);
    nmt::v1::TranslateResponse response;
    const auto status = translate(*stub_, request, response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << length;
    EXPECT_THAT(status.error_message(), HasSubstr("max_decoding_length must be at most 1024"));
  }
  // The limit itself decodes, every position used (the minimum forces the full length).
  auto request = make_request({"Hello."});
  request.mutable_options()->set_max_decoding_length(1024);
  request.mutable_options()->set_min_decoding_length(1024);
  request.mutable_options()->set_beam_size(1);
  nmt::v1::TranslateResponse response;
  const auto status = translate(*stub_, request, response);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(HostileInput, EchoedRequestIdsAreValidUtf8) {
  // 127 bytes then a 2-byte character: cut at 128 bytes, it must not be cut in half.
  auto request = make_request({"Hi."});
  request.set_request_id(std::string(127, 'a') + "\xc3\xa9");
  nmt::v1::TranslateResponse response;
  ASSERT_TRUE(translate(*stub_, request, response).ok());
  EXPECT_EQ(response.request_id(), std::string(127, 'a'));
  // Bytes that are not UTF-8 (nmt.v1 is proto2: they reach the server) become U+FFFD.
  request.set_request_id("id-@@");
  std::string answer;
  const auto status = call_raw(worker_->channel(), "/nmt.v1.Translator/Translate",
                               serialized_with(request, "@@", "\xff\n"), &answer);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(response.ParseFromString(answer));
  EXPECT_EQ(response.request_id(), "id-\xef\xbf\xbd\n");
  EXPECT_TRUE(valid_utf8(response.request_id()));
}

TEST_F(HostileInput, RequestIdsCannotForgeLogLines) {
  auto request = make_request({"Hi."}, "eng_Latn", "xxx_Xxxx");  // refused: logged at info
  request.set_request_id("evil\nFORGED line\x1b[31m");
  nmt::v1::TranslateResponse response;
  ASSERT_EQ(translate(*stub_, request, response).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const auto log = worker_->log_text();
  EXPECT_THAT(log, HasSubstr("request evil\\x0aFORGED line\\x1b[31m refused"));
  EXPECT_THAT(log, Not(HasSubstr("\nFORGED")));
  EXPECT_THAT(log, Not(HasSubstr("\x1b")));
}

}  // namespace
}  // namespace nmtd::testing
