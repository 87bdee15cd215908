// The worker's Score RPC: the engine's log-probabilities (those `nmtd score` prints) through
// the same admission and batcher as translations, and bad items refused naming the field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using ::testing::HasSubstr;

class ScoreRpc : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    worker_ = std::make_unique<WorkerProcess>(shared_test_model());
    ASSERT_TRUE(worker_->wait_serving()) << worker_->stderr_text();
  }
  static void TearDownTestSuite() {
    worker_->signal(SIGTERM);
    EXPECT_TRUE(worker_->wait_exit(std::chrono::seconds(30)));
    worker_.reset();
  }
  void SetUp() override { stub_ = nmt::v1::Translator::NewStub(worker_->channel()); }

  grpc::Status score(const nmt::v1::ScoreRequest& request, nmt::v1::ScoreResponse& response) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return stub_->Score(&ctx, request, &response);
  }

  static std::unique_ptr<WorkerProcess> worker_;
  std::unique_ptr<nmt::v1::Translator::Stub> stub_;
};

std::unique_ptr<WorkerProcess> ScoreRpc::worker_;

nmt::v1::ScoreRequest text_request(const std::vector<std::pair<std::string, std::string>>& pairs) {
  nmt::v1::ScoreRequest request;
  request.set_source_language("eng_Latn");
  request.set_target_language("fra_Latn");
  for (const auto& [source, target] : pairs) {
    auto* item = request.add_items();
    item->set_source_text(source);
    item->set_target_text(target);
  }
  return request;
}

TEST_F(ScoreRpc, ScoresEqualTheEnginesInOneBatch) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"Hello world.", "Bonjour le monde."}, {"How are you today?", "Comment"}};
  auto request = text_request(pairs);
  auto* tokens = request.add_items();  // tokens, beside texts, with an offset for all
  for (const char* t : {"eng_Latn",
                        "\xe2\x96\x81"
                        "a",
                        "</s>"})
    tokens->add_source_tokens(t);
  for (const char* t : {"deu_Latn",
                        "\xe2\x96\x81"
                        "a"})
    tokens->add_target_tokens(t);
  request.set_offset(1);
  nmt::v1::ScoreResponse response;
  const auto status = score(request, response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.scores_size(), 3);

  std::string lines;
  for (const auto& [source, target] : pairs) {
    lines += nlohmann::json{{"text", source},
                            {"source", "eng_Latn"},
                            {"target_text", target},
                            {"target", "fra_Latn"}}
                 .dump() +
             "\n";
  }
  lines += nlohmann::json{{"tokens",
                           {"eng_Latn",
                            "\xe2\x96\x81"
                            "a",
                            "</s>"}},
                          {"target_tokens",
                           {"deu_Latn",
                            "\xe2\x96\x81"
                            "a"}}}
               .dump() +
           "\n";
  const auto engine = run_nmtd(
      {"score", "--model", shared_test_model().string(), "--jsonl", "--offset", "1"}, lines);
  ASSERT_EQ(engine.exit_code, 0) << engine.err;
  std::istringstream in(engine.out);
  int i = 0;
  for (std::string line; std::getline(in, line); ++i) {
    const auto want = nlohmann::json::parse(line);
    const auto& got = response.scores(i);
    ASSERT_EQ(got.tokens_size(), static_cast<int>(want["tokens"].size())) << line;
    ASSERT_EQ(got.log_probs_size(), got.tokens_size());
    EXPECT_EQ(got.tokens(got.tokens_size() - 1), "</s>");
    for (int k = 0; k < got.tokens_size(); ++k) {
      EXPECT_EQ(got.tokens(k), want["tokens"][k].get<std::string>());
      EXPECT_NEAR(got.log_probs(k), want["log_probs"][k].get<double>(), 1e-4) << i << "/" << k;
    }
  }
  EXPECT_EQ(i, 3);
}

TEST_F(ScoreRpc, BadItemsAreRefusedNamingTheField) {
  struct Case {
    nmt::v1::ScoreRequest request;
    std::string says;
  };
  std::vector<Case> cases;
  cases.push_back({text_request({{"Hello.", " "}}), "items[0].target_text is empty"});
  {
    auto r = text_request({{"Hello.", "Bonjour."}});
    r.mutable_items(0)->clear_target_text();
    cases.push_back({r, "items[0].target_text or items[0].target_tokens: give exactly one"});
  }
  {
    auto r = text_request({{"Hello.", "Bonjour."}, {"Hello.", "Bonjour."}});
    r.mutable_items(1)->clear_target_text();
    r.mutable_items(1)->add_target_tokens("fra_Latn");
    r.mutable_items(1)->add_target_tokens("notapiece");
    cases.push_back({r, "items[1].target_tokens[1] ('notapiece') is not a piece"});
  }
  {
    auto r = text_request({{"Hello.", "Bonjour."}});
    r.set_target_language("french");
    cases.push_back({r, "target_language: unknown target language 'french'"});
  }
  {
    auto r = text_request({{"Hello.", "Bonjour."}});
    r.set_offset(-1);
    cases.push_back({r, "offset must be >= 0"});
  }
  cases.push_back({nmt::v1::ScoreRequest(), "the request has no items"});
  for (const auto& c : cases) {
    nmt::v1::ScoreResponse response;
    const auto status = score(c.request, response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.says;
    EXPECT_THAT(status.error_message(), HasSubstr(c.says));
  }
  nmt::v1::ScoreResponse response;
  EXPECT_TRUE(score(text_request({{"Still there?", "Oui."}}), response).ok());
  EXPECT_TRUE(worker_->running());
}

}  // namespace
}  // namespace nmtd::testing
