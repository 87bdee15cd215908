#pragma once
// Baketa's `baketa.translation.v1.TranslationService`, served by the front on the same port as
// nmt.v1: the contract the unchanged desktop client speaks, with the old server's faults fixed
// (every NLLB language, per-item languages and in-band per-item errors in a batch, health that
// tells the truth, a server-side default deadline). docs/baketa.md lists each behaviour.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>

#include "baketa/translation/v1/translation.grpc.pb.h"
#include "front/api/baketa/baketa_items.h"
#include "front/api/front_metrics.h"
#include "front/dispatch/forwarder.h"
#include "front/dispatch/model_languages.h"
#include "front/dispatch/translation_facade.h"
#include "lang/detect/detector.h"
#include "rpc/parsed_request.h"

namespace nmtd::front {

// What the service uses: the workers, the counters, the model's languages, and the facade that
// splits and reassembles texts.
struct BaketaParts {
  Forwarder& forwarder;
  FrontMetrics& metrics;
  const ModelLanguages& languages;
  TranslationFacade& facade;
};

class BaketaService final
    : public rpc::ParseChecked<baketa::translation::v1::TranslationService::CallbackService> {
 public:
  BaketaService(BaketaParts parts, const lang::LanguageDetector* detector,
                BaketaLimits limits = {});

  grpc::ServerUnaryReactor* Translate(
      grpc::CallbackServerContext* ctx, const baketa::translation::v1::TranslateRequest* request,
      baketa::translation::v1::TranslateResponse* response) override;
  grpc::ServerUnaryReactor* TranslateBatch(
      grpc::CallbackServerContext* ctx,
      const baketa::translation::v1::BatchTranslateRequest* request,
      baketa::translation::v1::BatchTranslateResponse* response) override;
  grpc::ServerUnaryReactor* HealthCheck(
      grpc::CallbackServerContext* ctx, const baketa::translation::v1::HealthCheckRequest* request,
      baketa::translation::v1::HealthCheckResponse* response) override;
  grpc::ServerUnaryReactor* IsReady(grpc::CallbackServerContext* ctx,
                                    const baketa::translation::v1::IsReadyRequest* request,
                                    baketa::translation::v1::IsReadyResponse* response) override;

 private:
  void on_unparsable(grpc::CallbackServerContext* ctx, const grpc::Status& status) override;

  BaketaParts parts_;
  const lang::LanguageDetector* detector_;
  const BaketaLimits limits_;
};

}  // namespace nmtd::front
