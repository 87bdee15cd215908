// The facade against a fake Forwarder: no worker, no gRPC server. What the workers would answer
// is the fake's to decide, so each rule of splitting, sharing and re-sending is seen alone.
#include "front/dispatch/translation_facade.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <vector>

namespace nmtd::front {
namespace {

using namespace std::chrono_literals;

// Answers each call at once, on the caller's thread: every text comes back in brackets, unless
// `refuse` names the status of the next calls.
class FakeForwarder final : public Forwarder {
 public:
  std::shared_ptr<ForwardedCall> forward(nmt::v1::TranslateRequest request,
                                         std::chrono::system_clock::time_point deadline,
                                         ForwardedCall::Done done,
                                         const grpc::CallbackServerContext*) override {
    CallOutcome outcome{grpc::Status::OK};
    {
      std::lock_guard lock(mutex_);
      calls_.push_back(request);
      deadlines_.push_back(deadline);
      if (!refusals_.empty()) {
        outcome = refusals_.front();
        refusals_.erase(refusals_.begin());
      }
    }
    nmt::v1::TranslateResponse response;
    if (outcome.status.ok())
      for (const auto& text : request.texts())
        response.add_translations()->set_text("[" + text + "]");
    done(outcome, std::move(response));
    return nullptr;  // answered already
  }
  std::chrono::system_clock::time_point deadline_or_default(
      std::chrono::system_clock::time_point deadline) const override {
    return std::min(deadline, std::chrono::system_clock::now() + 60s);
  }
  bool draining() const override { return false; }
  int workers_ready() const override { return workers_ready_; }

  void refuse_next(grpc::Status status, std::chrono::milliseconds retry_after = 0ms) {
    std::lock_guard lock(mutex_);
    refusals_.push_back({std::move(status), retry_after});
  }
  std::vector<nmt::v1::TranslateRequest> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<std::chrono::system_clock::time_point> deadlines() const {
    std::lock_guard lock(mutex_);
    return deadlines_;
  }
  int workers_ready_ = 1;

 private:
  mutable std::mutex mutex_;
  std::vector<nmt::v1::TranslateRequest> calls_;
  std::vector<std::chrono::system_clock::time_point> deadlines_;
  std::vector<CallOutcome> refusals_;
};

struct Answer {
  grpc::Status status;
  std::vector<TextOutcome> outcomes;
  std::chrono::milliseconds retry_after{0};
};

Answer translate(TranslationFacade& facade, std::vector<std::string> texts) {
  FacadeRequest request;
  request.texts = std::move(texts);
  request.source = "eng_Latn";
  request.target = "fra_Latn";
  request.request_id = "r1";
  std::promise<Answer> answered;
  facade.translate(std::move(request),
                   [&answered](const CallOutcome& call, std::vector<TextOutcome>&& outcomes) {
                     answered.set_value({call.status, std::move(outcomes), call.retry_after});
                   });
  auto future = answered.get_future();
  EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
  return future.get();
}

TEST(TranslationFacade, AsksRepeatedTextsOnceAndAnswersEachInItsPlace) {
  FakeForwarder workers;
  TranslationFacade facade(workers, 4000, DispatchLimits{});
  const auto answer = translate(facade, {"Hello.", "World.", "Hello."});
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  ASSERT_EQ(answer.outcomes.size(), 3u);
  EXPECT_EQ(answer.outcomes[0].translation, "[Hello.]");
  EXPECT_EQ(answer.outcomes[1].translation, "[World.]");
  EXPECT_EQ(answer.outcomes[2].translation, "[Hello.]");
  const auto calls = workers.calls();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].texts_size(), 2) << "a repeated text is asked once";
  EXPECT_EQ(calls[0].source_language(), "eng_Latn");
  EXPECT_EQ(calls[0].target_language(), "fra_Latn");
  EXPECT_EQ(calls[0].request_id(), "r1");
  // No deadline given: the forwarder's default applies, not "never".
  EXPECT_LT(workers.deadlines()[0], std::chrono::system_clock::now() + 61s);
}

TEST(TranslationFacade, SendsAPieceAgainWhenEveryQueueIsFullWhileWorkersServe) {
  FakeForwarder workers;
  workers.refuse_next(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "queue full"));
  TranslationFacade facade(workers, 4000, DispatchLimits{});
  const auto answer = translate(facade, {"Hello."});
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  EXPECT_EQ(answer.outcomes[0].translation, "[Hello.]");
  EXPECT_EQ(workers.calls().size(), 2u);
}

TEST(TranslationFacade, ARefusalWithNoWorkerReadyIsFinalAndAnsweredOnce) {
  FakeForwarder workers;
  workers.workers_ready_ = 0;  // the hold queue refused: waiting would not help
  workers.refuse_next(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "hold queue full"));
  TranslationFacade facade(workers, 4000, DispatchLimits{});
  const auto answer = translate(facade, {"Hello.", "World."});
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(answer.outcomes.empty());
  EXPECT_EQ(workers.calls().size(), 1u);
}

TEST(TranslationFacade, ARequestSplitOverSeveralRefusedCallsGivesTheLargestRetryHint) {
  FakeForwarder workers;
  workers.workers_ready_ = 0;
  workers.refuse_next(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "refused"), 300ms);
  workers.refuse_next(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "refused"), 1200ms);
  workers.refuse_next(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "refused"), 700ms);
  DispatchLimits one_text_a_call;
  one_text_a_call.texts_per_call = 1;
  TranslationFacade facade(workers, 4000, one_text_a_call);
  const auto answer = translate(facade, {"One.", "Two.", "Three."});
  EXPECT_EQ(answer.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  ASSERT_EQ(workers.calls().size(), 3u) << "the test needs the texts in three calls";
  EXPECT_EQ(answer.retry_after, 1200ms) << "all of them must be taken: the latest hint counts";
}

TEST(TranslationFacade, ATextRefusedWhileOthersAreServedCarriesItsOwnHint) {
  FakeForwarder workers;
  workers.workers_ready_ = 0;  // a final refusal, for the first call only
  workers.refuse_next(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "refused"), 800ms);
  DispatchLimits one_text_a_call;
  one_text_a_call.texts_per_call = 1;
  TranslationFacade facade(workers, 4000, one_text_a_call);
  const auto answer = translate(facade, {"One.", "Two."});
  ASSERT_TRUE(answer.status.ok()) << answer.status.error_message();
  ASSERT_EQ(answer.outcomes.size(), 2u);
  EXPECT_EQ(answer.outcomes[0].status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(answer.outcomes[0].retry_after, 800ms);
  EXPECT_TRUE(answer.outcomes[1].status.ok());
  EXPECT_EQ(answer.outcomes[1].retry_after, 0ms);
}

}  // namespace
}  // namespace nmtd::front
