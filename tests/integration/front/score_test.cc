// nmt.v1 Score through `nmtd serve`: forwarded to a worker, its answer and its refusals
// passed back as the worker gave them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/serve_process.h"
#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

TEST(ServeScore, ForwardsScoresAndRefusals) {
  ServeProcess serve(shared_test_model(), {"--workers", "1"});
  ASSERT_TRUE(serve.wait_workers_ready(1, 60s)) << serve.stderr_text();
  auto stub = serve.stub();
  nmt::v1::ScoreRequest request;
  request.set_source_language("eng_Latn");
  request.set_target_language("fra_Latn");
  auto* item = request.add_items();
  item->set_source_text("Hello world.");
  item->set_target_text("Bonjour.");
  nmt::v1::ScoreResponse response;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 30s);
    const auto status = stub->Score(&ctx, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ASSERT_EQ(response.scores_size(), 1);
  const auto& scores = response.scores(0);
  ASSERT_GE(scores.tokens_size(), 2);
  EXPECT_EQ(scores.tokens(0), "fra_Latn");
  EXPECT_EQ(scores.tokens(scores.tokens_size() - 1), "</s>");
  ASSERT_EQ(scores.log_probs_size(), scores.tokens_size());
  for (const float lp : scores.log_probs()) EXPECT_LE(lp, 0.0f);

  item->clear_target_text();
  item->add_target_tokens("notapiece");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 30s);
  const auto refused = stub->Score(&ctx, request, &response);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), HasSubstr("items[0].target_tokens[0] ('notapiece')"));
}

}  // namespace
}  // namespace nmtd::testing
