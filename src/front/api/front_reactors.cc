#include "front/api/front_reactors.h"

#include <string>

#include "rpc/retry_hint.h"

namespace nmtd::front {

namespace {

std::string metadata(const grpc::CallbackServerContext* ctx, const std::string& key) {
  const auto& md = ctx->client_metadata();
  const auto it = md.find(key);
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

// An nmt.v1 call carried to a worker: the request id from the call's metadata when the request
// names none, and the call's own deadline.
std::shared_ptr<ForwardedCall> forward_call(Forwarder& forwarder,
                                            const grpc::CallbackServerContext* ctx,
                                            nmt::v1::TranslateRequest request,
                                            ForwardedCall::Done done) {
  if (request.request_id().empty()) request.set_request_id(metadata(ctx, "x-request-id"));
  return forwarder.forward(std::move(request), ctx->deadline(), std::move(done), nullptr);
}

void record(FrontMetrics& metrics, grpc::StatusCode code,
            std::chrono::steady_clock::time_point started) {
  metrics.record(FrontMetrics::kNmtV1, code, std::chrono::steady_clock::now() - started);
}

}  // namespace

FrontUnaryReactor::FrontUnaryReactor(ReactorParts parts, grpc::CallbackServerContext* ctx,
                                     const nmt::v1::TranslateRequest* request,
                                     nmt::v1::TranslateResponse* response)
    : parts_(parts), ctx_(ctx), request_(request), response_(response) {}

void FrontUnaryReactor::start() {
  auto call =
      forward_call(parts_.forwarder, ctx_, *request_,
                   [this](const CallOutcome& outcome, nmt::v1::TranslateResponse&& response) {
                     if (outcome.status.ok()) *response_ = std::move(response);
                     record(parts_.metrics, outcome.status.error_code(), started_);
                     rpc::add_retry_trailers(*ctx_, outcome.retry_after);
                     Finish(outcome.status);
                   });
  std::lock_guard lock(mutex_);
  call_ = std::move(call);
}

void FrontUnaryReactor::OnCancel() {
  std::shared_ptr<ForwardedCall> call;
  {
    std::lock_guard lock(mutex_);
    call = call_;
  }
  if (call) call->cancel();
}

void FrontUnaryReactor::OnDone() { parts_.unary_owner.release(this); }

FrontStreamReactor::FrontStreamReactor(ReactorParts parts, grpc::CallbackServerContext* ctx)
    : parts_(parts), ctx_(ctx) {}

void FrontStreamReactor::start() { StartRead(&request_); }

void FrontStreamReactor::OnReadDone(bool ok) {
  if (!ok) {  // the client closed its side (or went away): every message was answered
    Finish(ctx_->IsCancelled() ? grpc::Status::CANCELLED : grpc::Status::OK);
    return;
  }
  message_started_ = std::chrono::steady_clock::now();
  if (!request_.ok()) {  // answered in band: the stream goes on with the next message
    answer(rpc::unparsable_status(*nmt::v1::TranslateRequest::descriptor(), request_.error), {});
    return;
  }
  auto call =
      forward_call(parts_.forwarder, ctx_, request_.message,
                   // StreamError has no field for a retry hint: a refusal's message says it.
                   [this](const CallOutcome& outcome, nmt::v1::TranslateResponse&& response) {
                     answer(outcome.status, std::move(response));
                   });
  std::lock_guard lock(mutex_);
  call_ = std::move(call);
}

void FrontStreamReactor::answer(const grpc::Status& status, nmt::v1::TranslateResponse&& response) {
  record(parts_.metrics, status.error_code(), message_started_);
  if (ctx_->IsCancelled()) {
    Finish(grpc::Status::CANCELLED);
    return;
  }
  response_.Clear();
  response_.set_request_id(status.ok() ? response.request_id() : request_.message.request_id());
  if (status.ok()) {
    *response_.mutable_response() = std::move(response);
  } else {
    response_.mutable_error()->set_code(static_cast<int>(status.error_code()));
    response_.mutable_error()->set_message(status.error_message());
  }
  StartWrite(&response_);
}

void FrontStreamReactor::OnWriteDone(bool ok) {
  if (!ok) {
    Finish(grpc::Status(grpc::StatusCode::CANCELLED, "the client stopped reading answers"));
    return;
  }
  request_.message.Clear();
  StartRead(&request_);
}

void FrontStreamReactor::OnCancel() {
  std::shared_ptr<ForwardedCall> call;
  {
    std::lock_guard lock(mutex_);
    call = call_;
  }
  if (call) call->cancel();
}

void FrontStreamReactor::OnDone() { parts_.stream_owner.release(this); }

}  // namespace nmtd::front
