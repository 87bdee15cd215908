#pragma once
// nmt.v1.Translator as the front and the worker both serve it: each of its methods registered
// parse-checked (rpc/parsed_request.h) and sent to the handler of the same name on `Impl`, so
// a method added to the service is added for both in one place.
#include "nmt/v1/translator.grpc.pb.h"
#include "rpc/parsed_request.h"

namespace nmtd::rpc {

template <class Impl>
class ParsedTranslatorService : public ParseChecked<nmt::v1::Translator::CallbackService> {
 protected:
  // Called from Impl's constructor; Impl's Translate, open_stream, ListLanguages, GetStatus and
  // Score must be public.
  void serve_translator_methods() {
    using namespace nmt::v1;
    auto* impl = static_cast<Impl*>(this);
    serve_unary<TranslateRequest, TranslateResponse>(
        "nmt.v1.Translator.Translate", [impl](auto* ctx, auto* request, auto* response) {
          return impl->Translate(ctx, request, response);
        });
    serve_stream<TranslateRequest, TranslateStreamResponse>(
        "nmt.v1.Translator.TranslateStream", [impl](auto* ctx) { return impl->open_stream(ctx); });
    serve_unary<ListLanguagesRequest, ListLanguagesResponse>(
        "nmt.v1.Translator.ListLanguages", [impl](auto* ctx, auto* request, auto* response) {
          return impl->ListLanguages(ctx, request, response);
        });
    serve_unary<GetStatusRequest, GetStatusResponse>(
        "nmt.v1.Translator.GetStatus", [impl](auto* ctx, auto* request, auto* response) {
          return impl->GetStatus(ctx, request, response);
        });
    serve_unary<ScoreRequest, ScoreResponse>("nmt.v1.Translator.Score",
                                             [impl](auto* ctx, auto* request, auto* response) {
                                               return impl->Score(ctx, request, response);
                                             });
  }
};

}  // namespace nmtd::rpc
