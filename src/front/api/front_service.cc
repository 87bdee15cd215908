#include "front/api/front_service.h"

#include <algorithm>

#include "rpc/retry_hint.h"

namespace nmtd::front {

FrontService::FrontService(FrontServiceParts parts) : parts_(parts) { serve_translator_methods(); }

void FrontService::on_unparsable(grpc::CallbackServerContext*, const grpc::Status& status) {
  parts_.metrics.record(FrontMetrics::kNmtV1, status.error_code(), std::chrono::nanoseconds(0));
}

grpc::ServerUnaryReactor* FrontService::Translate(grpc::CallbackServerContext* ctx,
                                                  const nmt::v1::TranslateRequest* request,
                                                  nmt::v1::TranslateResponse* response) {
  auto* reactor =
      unary_.add(std::make_unique<FrontUnaryReactor>(reactor_parts(), ctx, request, response));
  reactor->start();
  return reactor;
}

grpc::ServerBidiReactor<rpc::Parsed<nmt::v1::TranslateRequest>, nmt::v1::TranslateStreamResponse>*
FrontService::open_stream(grpc::CallbackServerContext* ctx) {
  auto* reactor = streams_.add(std::make_unique<FrontStreamReactor>(reactor_parts(), ctx));
  reactor->start();
  return reactor;
}

grpc::ServerUnaryReactor* FrontService::ListLanguages(grpc::CallbackServerContext* ctx,
                                                      const nmt::v1::ListLanguagesRequest*,
                                                      nmt::v1::ListLanguagesResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  parts_.languages.fetch(response, [reactor](grpc::Status status) { reactor->Finish(status); });
  return reactor;
}

grpc::ServerUnaryReactor* FrontService::GetStatus(grpc::CallbackServerContext* ctx,
                                                  const nmt::v1::GetStatusRequest*,
                                                  nmt::v1::GetStatusResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  fill_status(parts_.status, *response);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* FrontService::Score(grpc::CallbackServerContext* ctx,
                                              const nmt::v1::ScoreRequest* request,
                                              nmt::v1::ScoreResponse* response) {
  // Forwarded once to the least busy ready worker, which checks, queues and computes it; no
  // retry as for Translate (a scoring client resends what it needs). While no worker takes
  // calls (a restart, the workers unloaded for idleness) it waits in the hold queue as a
  // Translate does, within its deadline, and a call that finds the workers unloaded wakes them.
  auto* reactor = ctx->DefaultReactor();
  const auto started = std::chrono::steady_clock::now();
  auto finish = [this, reactor, started](const grpc::Status& status) {
    parts_.metrics.record(FrontMetrics::kNmtV1, status.error_code(),
                          std::chrono::steady_clock::now() - started);
    reactor->Finish(status);
  };
  if (parts_.forwarder.draining()) {
    finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the server is shutting down; retry on another"));
    return reactor;
  }
  const auto deadline = parts_.forwarder.deadline_or_default(ctx->deadline());
  auto send = [ctx, request, response, deadline, finish](std::shared_ptr<WorkerEndpoint> worker) {
    if (!worker) {
      finish(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                          "no worker became ready before the call's deadline"));
      return;
    }
    // The client's cancellation and deadline reach the worker's call.
    std::shared_ptr<grpc::ClientContext> call =
        grpc::ClientContext::FromCallbackServerContext(*ctx);
    call->set_deadline(deadline);
    ++worker->outstanding;  // in flight: no idle unload under it
    worker->stub->async()->Score(
        call.get(), request, response, [ctx, call, worker, finish](grpc::Status status) {
          --worker->outstanding;
          // The worker's retry hint reaches the client, as a Translate's does.
          if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
            rpc::add_retry_trailers(*ctx, rpc::retry_pushback(call->GetServerTrailingMetadata()));
          finish(status);
        });
  };
  if (auto worker = parts_.router.pick({})) {
    send(std::move(worker));
    return reactor;
  }
  const auto held_until = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              deadline - std::chrono::system_clock::now());
  const auto texts = static_cast<std::size_t>(std::max(1, request->items_size()));
  if (!parts_.router.hold(texts, held_until, send)) {
    rpc::add_retry_trailers(*ctx, ForwardedCall::kHoldQueueFullRetryAfter);
    finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "no worker is ready and the front's hold queue is full (" +
                            std::to_string(parts_.router.held_texts()) + " of " +
                            std::to_string(parts_.router.hold_capacity()) +
                            " texts): retry after a short backoff"));
  }
  return reactor;
}

}  // namespace nmtd::front
