#include "front/api/front_service.h"

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
  // holding or retry as for Translate: a scoring client resends what it needs.
  auto* reactor = ctx->DefaultReactor();
  const auto started = std::chrono::steady_clock::now();
  const bool draining = parts_.forwarder.draining();
  auto worker = draining ? nullptr : parts_.router.pick({});
  if (!worker) {
    grpc::Status status(grpc::StatusCode::UNAVAILABLE,
                        draining ? "the server is shutting down; retry on another"
                                 : "no worker is ready: the model is loading, or its workers "
                                   "are restarting; retry shortly");
    parts_.metrics.record(FrontMetrics::kNmtV1, status.error_code(),
                          std::chrono::steady_clock::now() - started);
    reactor->Finish(status);
    return reactor;
  }
  // The client's cancellation and deadline reach the worker's call.
  std::shared_ptr<grpc::ClientContext> call = grpc::ClientContext::FromCallbackServerContext(*ctx);
  call->set_deadline(parts_.forwarder.deadline_or_default(ctx->deadline()));
  worker->stub->async()->Score(
      call.get(), request, response,
      [this, ctx, call, worker, reactor, started](grpc::Status status) {
        parts_.metrics.record(FrontMetrics::kNmtV1, status.error_code(),
                              std::chrono::steady_clock::now() - started);
        // The worker's retry hint reaches the client, as a Translate's does.
        if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
          rpc::add_retry_trailers(*ctx, rpc::retry_pushback(call->GetServerTrailingMetadata()));
        reactor->Finish(status);
      });
  return reactor;
}

}  // namespace nmtd::front
