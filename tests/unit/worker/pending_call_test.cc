// A call's completion and the question whether its client cancelled it.
#include "worker/pending_call.h"

#include <gtest/gtest.h>

#include <atomic>

namespace nmtd::worker {
namespace {

TEST(PendingCall, DoesNotAskTheRpcWhetherItWasCancelledOnceItCompleted) {
  // Completing the call finishes its RPC, which gRPC then frees: asking it afterwards (as the
  // batcher does for the call's other texts) read freed memory and crashed the worker.
  std::atomic<bool> rpc_gone{false};
  std::atomic<int> asked_after_completion{0};
  PendingCall call(
      "r", 2, Clock::now() + std::chrono::seconds(10),
      [&] {
        if (rpc_gone) ++asked_after_completion;
        return true;
      },
      [&](CallResult&&) { rpc_gone = true; });
  EXPECT_TRUE(call.cancelled());
  call.fail(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
  EXPECT_TRUE(call.done());
  EXPECT_FALSE(call.cancelled());
  EXPECT_EQ(asked_after_completion, 0);
}

}  // namespace
}  // namespace nmtd::worker
