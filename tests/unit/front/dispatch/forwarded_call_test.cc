#include "front/dispatch/forwarded_call.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <optional>

namespace nmtd::front {
namespace {

using namespace std::chrono_literals;

// What a forwarded call answered, for a test thread to wait on.
struct Answer {
  std::mutex mutex;
  std::condition_variable changed;
  std::optional<grpc::StatusCode> code;
  std::chrono::milliseconds retry_after{0};

  void set(const CallOutcome& outcome) {
    std::lock_guard lock(mutex);
    code = outcome.status.error_code();
    retry_after = outcome.retry_after;
    changed.notify_all();
  }
  std::optional<grpc::StatusCode> wait_for(std::chrono::milliseconds limit) {
    std::unique_lock lock(mutex);
    changed.wait_for(lock, limit, [&] { return code.has_value(); });
    return code;
  }
};

TEST(ForwardedCall, ACallHeldAfterAFailedAttemptIsAnsweredAtOnceWhenCancelled) {
  Router router(16);
  // A worker whose socket nobody serves: the attempt fails at the transport, the worker turns
  // suspect, and with no other worker the call waits in the hold queue.
  auto gone = std::make_shared<WorkerEndpoint>(0, 1, 1000, "/nonexistent/nmtd-test/w.sock");
  router.add(gone);
  nmt::v1::TranslateRequest request;
  request.add_texts("Hello");
  Answer answer;
  auto call = std::make_shared<ForwardedCall>(
      router, ForwardPolicy{}, request, std::chrono::system_clock::now() + 30s,
      [&](const CallOutcome& outcome, nmt::v1::TranslateResponse&&) { answer.set(outcome); });
  call->start();
  // Held once its one attempt failed: the router holds its text.
  for (int i = 0; i < 200 && router.held_texts() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(router.held_texts(), 1u) << "the call never reached the hold queue";
  EXPECT_EQ(call->attempts(), 1);
  ASSERT_FALSE(answer.wait_for(0ms).has_value());

  call->cancel();
  EXPECT_EQ(answer.wait_for(2s), grpc::StatusCode::CANCELLED)
      << "a held call must answer its cancellation at once, not at its deadline";
  router.release_all();
}

TEST(ForwardedCall, AFullHoldQueueRefusesWithTheFrontsRetryHint) {
  Router router(0);  // no worker, and no room to wait for one
  nmt::v1::TranslateRequest request;
  request.add_texts("Hello");
  Answer answer;
  auto call = std::make_shared<ForwardedCall>(
      router, ForwardPolicy{}, request, std::chrono::system_clock::now() + 30s,
      [&](const CallOutcome& outcome, nmt::v1::TranslateResponse&&) { answer.set(outcome); });
  call->start();
  EXPECT_EQ(answer.wait_for(2s), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(answer.retry_after, ForwardedCall::kHoldQueueFullRetryAfter);
  EXPECT_GT(answer.retry_after.count(), 0);
}

}  // namespace
}  // namespace nmtd::front
