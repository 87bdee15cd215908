#pragma once
// nmt.v1.Translator as `nmtd serve` offers it: the same API as a worker's, answered by whichever
// worker is ready (through the Forwarder), with the call sent again elsewhere when its worker
// dies first. Only its registration with the gRPC server depends on it.
#include <grpcpp/grpcpp.h>

#include "front/api/front_metrics.h"
#include "front/api/front_reactors.h"
#include "front/api/front_status.h"
#include "front/dispatch/forwarder.h"
#include "front/dispatch/model_languages.h"
#include "front/dispatch/router.h"
#include "nmt/v1/translator.grpc.pb.h"
#include "rpc/owned_reactors.h"
#include "rpc/parsed_translator_service.h"

namespace nmtd::front {

struct FrontServiceParts {
  Forwarder& forwarder;
  Router& router;  // Score goes to one worker as it is, without the Forwarder's re-sending
  ModelLanguages& languages;
  FrontMetrics& metrics;
  StatusSources status;
};

class FrontService final : public rpc::ParsedTranslatorService<FrontService> {
 public:
  explicit FrontService(FrontServiceParts parts);

  grpc::ServerUnaryReactor* Translate(grpc::CallbackServerContext* ctx,
                                      const nmt::v1::TranslateRequest* request,
                                      nmt::v1::TranslateResponse* response) override;
  // TranslateStream: its reactor reads messages that may not parse (rpc::Parsed).
  grpc::ServerBidiReactor<rpc::Parsed<nmt::v1::TranslateRequest>, nmt::v1::TranslateStreamResponse>*
  open_stream(grpc::CallbackServerContext* ctx);
  grpc::ServerUnaryReactor* ListLanguages(grpc::CallbackServerContext* ctx,
                                          const nmt::v1::ListLanguagesRequest* request,
                                          nmt::v1::ListLanguagesResponse* response) override;
  grpc::ServerUnaryReactor* GetStatus(grpc::CallbackServerContext* ctx,
                                      const nmt::v1::GetStatusRequest* request,
                                      nmt::v1::GetStatusResponse* response) override;
  grpc::ServerUnaryReactor* Score(grpc::CallbackServerContext* ctx,
                                  const nmt::v1::ScoreRequest* request,
                                  nmt::v1::ScoreResponse* response) override;

 private:
  void on_unparsable(grpc::CallbackServerContext* ctx, const grpc::Status& status) override;
  ReactorParts reactor_parts() { return {parts_.forwarder, parts_.metrics, unary_, streams_}; }

  FrontServiceParts parts_;
  rpc::OwnedReactors<FrontUnaryReactor> unary_;
  rpc::OwnedReactors<FrontStreamReactor> streams_;
};

}  // namespace nmtd::front
