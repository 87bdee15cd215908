#pragma once
// The reactors of the front's Translate and TranslateStream: each carries its calls through a
// ForwardedCall and cancels it when the client goes away.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <mutex>

#include "front/dispatch/forwarded_call.h"
#include "nmt/v1/translator.grpc.pb.h"
#include "rpc/parsed_request.h"

namespace nmtd::front {

class FrontService;

class FrontUnaryReactor final : public grpc::ServerUnaryReactor {
 public:
  FrontUnaryReactor(FrontService& service, grpc::CallbackServerContext* ctx,
                    const nmt::v1::TranslateRequest* request, nmt::v1::TranslateResponse* response);
  void start();
  void OnCancel() override;
  void OnDone() override;

 private:
  FrontService& service_;
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
  FrontStreamReactor(FrontService& service, grpc::CallbackServerContext* ctx);
  void start();
  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void answer(const grpc::Status& status, nmt::v1::TranslateResponse&& response);

  FrontService& service_;
  grpc::CallbackServerContext* const ctx_;
  rpc::Parsed<nmt::v1::TranslateRequest> request_;
  nmt::v1::TranslateStreamResponse response_;
  std::chrono::steady_clock::time_point message_started_;
  std::mutex mutex_;
  std::shared_ptr<ForwardedCall> call_;
};

}  // namespace nmtd::front
