#include "front/dispatch/forwarded_call.h"

#include <algorithm>

#include "rpc/metadata_keys.h"
#include "rpc/retry_hint.h"

namespace nmtd::front {

namespace {

bool answered_by_worker(const grpc::ClientContext& ctx) {
  return ctx.GetServerTrailingMetadata().count(rpc::kAnsweredBy) > 0;
}

}  // namespace

ForwardedCall::ForwardedCall(Router& router, ForwardPolicy policy,
                             nmt::v1::TranslateRequest request,
                             std::chrono::system_clock::time_point deadline, Done done,
                             const grpc::CallbackServerContext* client)
    : router_(router),
      policy_(policy),
      request_(std::move(request)),
      deadline_(deadline),
      done_(std::move(done)),
      client_(client) {}

void ForwardedCall::start() { dispatch(router_.pick({})); }

int ForwardedCall::attempts() const {
  std::lock_guard lock(mutex_);
  return attempts_;
}

void ForwardedCall::dispatch(std::shared_ptr<WorkerEndpoint> worker) {
  if (worker) return send(std::move(worker));
  // No worker takes work now: wait for one, within the call's deadline.
  const auto remaining = deadline_ - std::chrono::system_clock::now();
  const auto held_until = Clock::now() + std::chrono::duration_cast<Clock::duration>(remaining);
  auto self = shared_from_this();
  const bool held = router_.hold(
      static_cast<std::size_t>(std::max(1, request_.texts_size())), held_until,
      [self](std::shared_ptr<WorkerEndpoint> ready) {
        if (!ready) {
          self->finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                    "no worker became ready before the call's deadline"));
          return;
        }
        self->send(std::move(ready));
      });
  if (!held) {
    finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "no worker is ready and the front's hold queue is full (" +
                            std::to_string(router_.held_texts()) + " of " +
                            std::to_string(router_.hold_capacity()) + " texts): retry in about " +
                            std::to_string(kHoldQueueFullRetryAfter.count()) + " ms"),
           kHoldQueueFullRetryAfter);
  }
}

void ForwardedCall::send(std::shared_ptr<WorkerEndpoint> worker) {
  grpc::ClientContext* ctx = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    if (cancelled_ || client_cancelled()) {
      // finish() below takes the lock again.
    } else {
      ++attempts_;
      tried_.push_back(worker.get());
      tried_owners_.push_back(worker);
      attempt_ = client_ ? grpc::ClientContext::FromCallbackServerContext(*client_)
                         : std::make_unique<grpc::ClientContext>();
      attempt_->set_deadline(deadline_);
      attempt_in_flight_ = true;
      ctx = attempt_.get();
      response_.Clear();
    }
  }
  if (!ctx) return finish(cancelled_status());
  ++worker->outstanding;
  auto self = shared_from_this();
  worker->stub->async()->Translate(ctx, &request_, &response_, [self, worker](grpc::Status status) {
    --worker->outstanding;
    self->on_reply(worker, status);
  });
}

void ForwardedCall::on_reply(const std::shared_ptr<WorkerEndpoint>& worker,
                             const grpc::Status& status) {
  bool from_worker = false;
  bool cancelled = false;
  int attempts = 0;
  std::vector<const WorkerEndpoint*> tried;
  {
    std::lock_guard lock(mutex_);
    attempt_in_flight_ = false;
    from_worker = attempt_ && answered_by_worker(*attempt_);
    // Any of the refusing workers may take the call again: the soonest hint is the one to give.
    if (from_worker && status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      const auto hint = rpc::retry_pushback(attempt_->GetServerTrailingMetadata());
      if (hint.count() > 0 && (worker_retry_after_.count() == 0 || hint < worker_retry_after_))
        worker_retry_after_ = hint;
    }
    // A cancelled client's attempt ends CANCELLED with no word from its worker: not the
    // worker's fault, and nothing to send elsewhere. gRPC cancels the attempt before the
    // client's call reads as cancelled, so CANCELLED itself says so.
    cancelled = cancelled_ || client_cancelled() ||
                (client_ && !from_worker && status.error_code() == grpc::StatusCode::CANCELLED);
    attempts = attempts_;
    tried = tried_;
  }
  if (status.ok()) return finish(status);
  if (cancelled) return finish(cancelled_status());
  const auto code = status.error_code();
  if (code == grpc::StatusCode::DEADLINE_EXCEEDED || expired())
    return finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                               "the call's deadline passed before a worker answered"));

  bool try_again = false;
  if (!from_worker) {
    // The worker died, hung up or never saw the call: nothing was answered, so sending the
    // call elsewhere cannot answer it twice.
    router_.suspect(worker);
    try_again = true;
  } else if (code == grpc::StatusCode::UNAVAILABLE ||
             code == grpc::StatusCode::RESOURCE_EXHAUSTED) {
    // Draining, not ready yet, or its queue is full: another worker may take it.
    if (code == grpc::StatusCode::UNAVAILABLE) router_.remove(worker.get());
    try_again = true;
  }
  if (!try_again || attempts >= policy_.max_attempts) return finish(status);
  if (on_retry_)
    on_retry_(worker->name() + (from_worker ? " refused it: " : " failed it: ") +
              status.error_message());
  auto next = router_.pick(tried);
  // Every worker is full or cannot meet the deadline: say so now (with the worker's retry
  // hint in the message) rather than spin on them or hold the call until its deadline.
  if (code == grpc::StatusCode::RESOURCE_EXHAUSTED &&
      (!next || std::find(tried.begin(), tried.end(), next.get()) != tried.end()))
    return finish(status);
  dispatch(std::move(next));
}

void ForwardedCall::cancel() {
  bool held = false;
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
    if (attempt_in_flight_) {
      attempt_->TryCancel();  // its reply then finishes the call
    } else {
      held = true;  // waiting for a worker (first or again): nothing will reply, answer now
    }
  }
  if (held) finish(cancelled_status());
}

grpc::Status ForwardedCall::cancelled_status() const {
  // When a call's deadline passes gRPC cancels it too: that is a deadline, not the client
  // going away. gRPC's timer runs on its own clock, hence the few milliseconds of slack.
  if (std::chrono::system_clock::now() + std::chrono::milliseconds(5) >= deadline_)
    return grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                        "the call's deadline passed before a worker answered");
  return grpc::Status::CANCELLED;
}

void ForwardedCall::finish(const grpc::Status& status, std::chrono::milliseconds retry_after) {
  nmt::v1::TranslateResponse response;
  CallOutcome outcome{status};
  {
    std::lock_guard lock(mutex_);
    if (finished_) return;
    finished_ = true;
    if (status.ok()) response = std::move(response_);
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
      outcome.retry_after = retry_after.count() > 0 ? retry_after : worker_retry_after_;
  }
  done_(outcome, std::move(response));
}

}  // namespace nmtd::front
