#pragma once
// One Translate as the front carries it: sent to a worker, and sent again to another when the
// first one dies or drops it before answering (translation is idempotent), held while no worker
// is ready, and answered once — with the worker's own verdict, or with why none could give one.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "front/dispatch/call_outcome.h"
#include "front/dispatch/router.h"
#include "nmt/v1/translator.grpc.pb.h"

namespace nmtd::front {

struct ForwardPolicy {
  int max_attempts = 3;  // workers one call may be tried on (held time does not count)
};

class ForwardedCall : public std::enable_shared_from_this<ForwardedCall> {
 public:
  using Clock = std::chrono::steady_clock;
  // The outcome carries the refusing worker's retry hint (the soonest, when several refused),
  // or the front's own when its hold queue refused.
  using Done = std::function<void(const CallOutcome&, nmt::v1::TranslateResponse&&)>;
  // The retry hint of a call refused because no worker is ready and the hold queue is full. A
  // held call leaves as soon as a worker is ready, and the front cannot tell when that will be
  // (a replacement loads its model in about a second or more): the soonest retry worth trying.
  static constexpr std::chrono::milliseconds kHoldQueueFullRetryAfter{1000};

  // `done` runs exactly once, on a gRPC or supervisor thread; it must not block. `client`: the
  // gRPC call this one serves, if any (it must outlive `done`): each attempt is its child, so
  // that gRPC cancels the attempt as soon as the client's call is cancelled.
  ForwardedCall(Router& router, ForwardPolicy policy, nmt::v1::TranslateRequest request,
                std::chrono::system_clock::time_point deadline, Done done,
                const grpc::CallbackServerContext* client = nullptr);

  // Told why, each time the call is sent to another worker (metrics, a log line).
  void set_on_retry(std::function<void(const std::string& why)> on_retry) {
    on_retry_ = std::move(on_retry);
  }
  void start();
  // The client went away: cancel the attempt in flight and answer CANCELLED.
  void cancel();

  int attempts() const;

 private:
  void dispatch(std::shared_ptr<WorkerEndpoint> worker);
  void send(std::shared_ptr<WorkerEndpoint> worker);
  void on_reply(const std::shared_ptr<WorkerEndpoint>& worker, const grpc::Status& status);
  // `retry_after`: the hint of a RESOURCE_EXHAUSTED; none given, the workers' (if any).
  void finish(const grpc::Status& status, std::chrono::milliseconds retry_after = {});
  // What a cancelled call answers: DEADLINE_EXCEEDED once its deadline has passed.
  grpc::Status cancelled_status() const;
  bool expired() const { return std::chrono::system_clock::now() >= deadline_; }
  bool client_cancelled() const { return client_ && client_->IsCancelled(); }

  Router& router_;
  const ForwardPolicy policy_;
  const nmt::v1::TranslateRequest request_;
  const std::chrono::system_clock::time_point deadline_;
  Done done_;
  const grpc::CallbackServerContext* const client_;
  std::function<void(const std::string&)> on_retry_;

  mutable std::mutex mutex_;
  std::unique_ptr<grpc::ClientContext> attempt_;  // the latest attempt, for cancel()
  // Whether that attempt still runs: after it failed, the call may wait in the hold queue, and
  // cancelling the finished attempt would then answer nothing until the deadline.
  bool attempt_in_flight_ = false;
  nmt::v1::TranslateResponse response_;
  std::vector<const WorkerEndpoint*> tried_;
  std::vector<std::shared_ptr<WorkerEndpoint>> tried_owners_;  // keeps `tried_` pointers valid
  int attempts_ = 0;
  std::chrono::milliseconds worker_retry_after_{0};  // the soonest hint of the workers' refusals
  bool cancelled_ = false;
  bool finished_ = false;
};

}  // namespace nmtd::front
