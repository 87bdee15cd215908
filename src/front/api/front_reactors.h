#pragma once
// The reactors of the front's Translate and TranslateStream: each carries its calls through the
// Forwarder, cancels them when the client goes away, counts them, and hands itself back to its
// owner when gRPC is done with it.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <mutex>

#include "front/api/front_metrics.h"
#include "front/dispatch/forwarded_call.h"
#include "front/dispatch/forwarder.h"
#include "nmt/v1/translator.grpc.pb.h"
#include "rpc/owned_reactors.h"
#include "rpc/parsed_request.h"

namespace nmtd::front {

class FrontUnaryReactor;
class FrontStreamReactor;

// What a reactor needs beyond its call: where to send it, where to count it, who owns it.
struct ReactorParts {
  Forwarder& forwarder;
  FrontMetrics& metrics;
  rpc::OwnedReactors<FrontUnaryReactor>& unary_owner;
  rpc::OwnedReactors<FrontStreamReactor>& stream_owner;
};

class FrontUnaryReactor final : public grpc::ServerUnaryReactor {
 public:
  FrontUnaryReactor(ReactorParts parts, grpc::CallbackServerContext* ctx,
                    const nmt::v1::TranslateRequest* request, nmt::v1::TranslateResponse* response);
  void start();
  void OnCancel() override;
  void OnDone() override;

 private:
  ReactorParts parts_;
  grpc::CallbackServerContext* const ctx_;
  const nmt::v1::TranslateRequest* const request_;
  nmt::v1::TranslateResponse* const response_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::mutex mutex_;
  std::shared_ptr<ForwardedCall> call_;
};

class FrontStreamReactor final
    : public grpc::ServerBidiReactor<rpc::Parsed<nmt::v1::TranslateRequest>,
                                     nmt::v1::TranslateStreamResponse> {
 public:
  FrontStreamReactor(ReactorParts parts, grpc::CallbackServerContext* ctx);
  void start();
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void answer(const grpc::Status& status, nmt::v1::TranslateResponse&& response);

  ReactorParts parts_;
  grpc::CallbackServerContext* const ctx_;
  rpc::Parsed<nmt::v1::TranslateRequest> request_;
  nmt::v1::TranslateStreamResponse response_;
  std::chrono::steady_clock::time_point message_started_;
  std::mutex mutex_;
  std::shared_ptr<ForwardedCall> call_;
};

}  // namespace nmtd::front
