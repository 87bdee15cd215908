#pragma once
// One TranslateStream call: read a message, translate it, write its answer, read the next — so
// answers come in request order and one stream holds at most one queued request. A message
// that fails, or does not parse, is answered in-band and the stream goes on.
#include <grpcpp/grpcpp.h>

#include "nmt/v1/translator.grpc.pb.h"
#include "rpc/owned_reactors.h"
#include "rpc/parsed_request.h"
#include "worker/call_intake.h"

namespace nmtd::worker {

class TranslateStreamReactor final
    : public grpc::ServerBidiReactor<rpc::Parsed<nmt::v1::TranslateRequest>,
                                     nmt::v1::TranslateStreamResponse> {
 public:
  // `owner` holds this reactor until its OnDone.
  TranslateStreamReactor(CallIntake& intake, rpc::OwnedReactors<TranslateStreamReactor>& owner,
                         grpc::CallbackServerContext* ctx);
  void start();

  void OnReadDone(bool ok) override;
  void OnWriteDone(bool ok) override;
  void OnCancel() override {}
  void OnDone() override;

 private:
  void answer(const std::string& request_id, CallResult&& result);

  CallIntake& intake_;
  rpc::OwnedReactors<TranslateStreamReactor>& owner_;
  grpc::CallbackServerContext* const ctx_;
  rpc::Parsed<nmt::v1::TranslateRequest> request_;
  nmt::v1::TranslateStreamResponse response_;
};

}  // namespace nmtd::worker
