// Continuous batching in a real worker: a short text sent while a long batch decodes joins the
// running decode between steps and is answered as soon as it finishes, not after the batch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using namespace std::chrono_literals;

// `texts` texts forced to decode exactly `tokens` steps each, greedily.
nmt::v1::TranslateRequest forced_length(int texts, int tokens, const std::string& tag) {
  std::vector<std::string> sources;
  for (int i = 0; i < texts; ++i)
    sources.push_back("A long text, number " + std::to_string(i) + " of " + tag + ".");
  auto request = make_request(sources);
  request.set_request_id(tag);
  request.mutable_options()->set_beam_size(1);
  request.mutable_options()->set_max_decoding_length(tokens);
  request.mutable_options()->set_min_decoding_length(tokens);
  return request;
}

TEST(ContinuousBatching, AShortTextIsAnsweredWhileALongBatchIsStillDecoding) {
  WorkerProcess w(shared_test_model(), {"--max-batch-texts", "8"});
  ASSERT_TRUE(w.wait_serving()) << w.stderr_text();
  auto stub = nmt::v1::Translator::NewStub(w.channel());
  // 1000 steps for the long texts, at most 20 for the short one: however late between the
  // long batch's steps it joins, it needs far fewer of them than the batch has left.
  auto long_call = std::async(std::launch::async, [&w] {
    auto s = nmt::v1::Translator::NewStub(w.channel());
    nmt::v1::TranslateResponse r;
    return translate(*s, forced_length(4, 1000, "long"), r, {.deadline = 300s, .metadata = {}});
  });
  while (get_status(*stub).engine_call_ms() == 0) std::this_thread::sleep_for(2ms);

  auto short_request = make_request({"Hello."});
  short_request.set_request_id("short");
  short_request.mutable_options()->set_beam_size(1);
  short_request.mutable_options()->set_max_decoding_length(20);
  nmt::v1::TranslateResponse response;
  const auto status = translate(*stub, short_request, response, {.deadline = 300s, .metadata = {}});
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.translations_size(), 1);
  EXPECT_FALSE(response.translations(0).text().empty());
  EXPECT_EQ(long_call.wait_for(0s), std::future_status::timeout)
      << "the short text was answered only after the long batch";
  // The short text was decoded inside the long batch's run, not after it.
  EXPECT_GT(get_status(*stub).engine_call_ms(), 0);
  const auto long_status = long_call.get();
  EXPECT_TRUE(long_status.ok()) << long_status.error_message();
}

TEST(ContinuousBatching, AShortTextGetsTheSameTranslationJoiningARunningDecode) {
  WorkerProcess w(shared_test_model(), {"--max-batch-texts", "8", "--cache-mib", "0"});
  ASSERT_TRUE(w.wait_serving()) << w.stderr_text();
  auto stub = nmt::v1::Translator::NewStub(w.channel());
  auto short_request = make_request({"The weather is nice today."});
  short_request.mutable_options()->set_beam_size(1);
  nmt::v1::TranslateResponse alone;
  ASSERT_TRUE(translate(*stub, short_request, alone).ok());

  auto long_call = std::async(std::launch::async, [&w] {
    auto s = nmt::v1::Translator::NewStub(w.channel());
    nmt::v1::TranslateResponse r;
    return translate(*s, forced_length(4, 600, "long"), r, {.deadline = 300s, .metadata = {}});
  });
  while (get_status(*stub).engine_call_ms() == 0) std::this_thread::sleep_for(2ms);
  nmt::v1::TranslateResponse joined;
  ASSERT_TRUE(translate(*stub, short_request, joined, {.deadline = 300s, .metadata = {}}).ok());
  ASSERT_EQ(joined.translations_size(), 1);
  EXPECT_EQ(joined.translations(0).text(), alone.translations(0).text());
  EXPECT_TRUE(long_call.get().ok());
}

TEST(ContinuousBatching, TextsWhoseCallerLeftStopWhileTheOthersDecodeOn) {
  // A long batching window puts both calls in the first batch; then one caller leaves.
  WorkerProcess w(shared_test_model(), {"--max-batch-texts", "8", "--batch-wait-us", "500000"});
  ASSERT_TRUE(w.wait_serving()) << w.stderr_text();
  auto stub = nmt::v1::Translator::NewStub(w.channel());
  grpc::ClientContext gone_ctx;
  gone_ctx.set_deadline(std::chrono::system_clock::now() + 300s);
  auto gone = std::async(std::launch::async, [&] {
    nmt::v1::TranslateResponse r;
    return nmt::v1::Translator::NewStub(w.channel())
        ->Translate(&gone_ctx, forced_length(4, 1000, "gone"), &r);
  });
  auto stays = std::async(std::launch::async, [&w] {
    nmt::v1::TranslateResponse r;
    return translate(*nmt::v1::Translator::NewStub(w.channel()), forced_length(4, 1000, "stays"), r,
                     {.deadline = 300s, .metadata = {}});
  });
  while (get_status(*stub).engine_call_ms() == 0) std::this_thread::sleep_for(2ms);
  gone_ctx.TryCancel();
  EXPECT_EQ(gone.get().error_code(), grpc::StatusCode::CANCELLED);
  const auto kept = stays.get();
  EXPECT_TRUE(kept.ok()) << kept.error_message();
  const auto status = get_status(*stub);
  EXPECT_EQ(status.texts_cancelled(), 4u);
  EXPECT_EQ(status.texts_translated(), 4u) << "the texts of the caller that left were decoded";
  EXPECT_THAT(w.log_text(), ::testing::HasSubstr("stopped 4 texts mid-decode"));
}

}  // namespace
}  // namespace nmtd::testing
