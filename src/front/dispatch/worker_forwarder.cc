#include "front/dispatch/worker_forwarder.h"

#include <unistd.h>

#include <algorithm>
#include <string>

#include "common/loggable.h"
#include "common/utf8.h"
#include "front/dispatch/call_outcome.h"

namespace nmtd::front {

WorkerForwarder::WorkerForwarder(Router& router, ForwardSettings settings, Logger& log,
                                 std::function<void()> on_retry)
    : router_(router), settings_(settings), log_(log), on_retry_(std::move(on_retry)) {}

std::chrono::system_clock::time_point WorkerForwarder::deadline_or_default(
    std::chrono::system_clock::time_point deadline) const {
  const auto fallback = std::chrono::system_clock::now() + settings_.default_deadline;
  // A call without a deadline reads as one in the far future: give it the default instead.
  return std::min(deadline, fallback);
}

std::shared_ptr<ForwardedCall> WorkerForwarder::forward(
    nmt::v1::TranslateRequest request, std::chrono::system_clock::time_point deadline,
    ForwardedCall::Done done, const grpc::CallbackServerContext* client) {
  if (draining_) {
    done({grpc::Status(grpc::StatusCode::UNAVAILABLE,
                       "the server is shutting down: send the call to another instance")},
         {});
    return nullptr;
  }
  if (request.request_id().empty())
    request.set_request_id("f" + std::to_string(::getpid()) + "-" + std::to_string(next_id_++));
  // Echoed in a protobuf string: valid UTF-8, cut on a character boundary.
  *request.mutable_request_id() = to_valid_utf8(request.request_id(), 128);
  ForwardPolicy policy;
  policy.max_attempts = settings_.max_attempts;
  auto& log = log_;
  const std::string id = request.request_id();
  auto call = std::make_shared<ForwardedCall>(
      router_, policy, std::move(request), deadline_or_default(deadline),
      [done = std::move(done), &log, id](const CallOutcome& outcome,
                                         nmt::v1::TranslateResponse&& response) {
        // The worker logs its own refusals; these are the ones only the front knows of.
        const auto& status = outcome.status;
        if (!status.ok() && status.error_code() != grpc::StatusCode::INVALID_ARGUMENT)
          log.info("request {}: {}: {}", loggable(id), outcome_name(status.error_code()),
                   loggable(status.error_message(), 1000));
        done(outcome, std::move(response));
      },
      client);
  call->set_on_retry([on_retry = on_retry_, &log, id](const std::string& why) {
    if (on_retry) on_retry();
    log.warn("request {}: {}; sending it to another worker", loggable(id), loggable(why, 1000));
  });
  call->start();
  return call;
}

}  // namespace nmtd::front
