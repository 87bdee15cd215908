#pragma once
// nmt.v1.Translator as `nmtd serve` offers it: the same API as a worker's, answered by whichever
// worker is ready, with the call sent again elsewhere when its worker dies first.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

#include "common/log/log.h"
#include "crash/reader/crash_archive.h"
#include "front/config/front_config.h"
#include "front/forwarded_call.h"
#include "front/front_metrics.h"
#include "front/front_reactors.h"
#include "front/router.h"
#include "front/supervisor.h"
#include "nmt/v1/translator.grpc.pb.h"
#include "rpc/owned_reactors.h"
#include "rpc/parsed_translator_service.h"

namespace nmtd::front {

struct FrontServiceParts {
  const FrontConfig& config;
  Router& router;
  Supervisor& supervisor;
  FrontMetrics& metrics;
  crash::CrashArchive* archive;
  Logger& log;
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

  // New calls are refused with UNAVAILABLE from now on (calls in flight finish).
  void set_draining() { draining_ = true; }
  void fill_status(nmt::v1::GetStatusResponse& out) const;

  // Starts forwarding `request`; `done` gets the answer once. Used by both reactors.
  std::shared_ptr<ForwardedCall> forward(const grpc::CallbackServerContext* ctx,
                                         nmt::v1::TranslateRequest request,
                                         ForwardedCall::Done done);
  // The same for callers that are not nmt.v1 calls (Baketa, LibreTranslate): they give the
  // deadline themselves (the max() time point: the default deadline), and the client's gRPC
  // call when there is one, whose cancellation then cancels the worker's call.
  std::shared_ptr<ForwardedCall> forward(nmt::v1::TranslateRequest request,
                                         std::chrono::system_clock::time_point deadline,
                                         ForwardedCall::Done done,
                                         const grpc::CallbackServerContext* client = nullptr);
  std::chrono::system_clock::time_point deadline_or_default(
      std::chrono::system_clock::time_point deadline) const;
  bool draining() const { return draining_; }
  int workers_ready() const { return parts_.router.accepting_workers(); }
  // Asks a ready worker for the model's languages once, so that IsReady can list them.
  void prefetch_languages();
  // The model's language codes, once a worker has told (empty before).
  std::vector<std::string> known_languages() const;
  // One finished translation call on `api` (FrontMetrics::kNmtV1, kBaketa).
  void record(const char* api, grpc::StatusCode code,
              std::chrono::steady_clock::time_point started) {
    parts_.metrics.record(api, code, std::chrono::steady_clock::now() - started);
  }
  void unary_finished(FrontUnaryReactor* reactor) { unary_.release(reactor); }
  void stream_finished(FrontStreamReactor* reactor) { streams_.release(reactor); }
  Logger& log() { return parts_.log; }

 private:
  void on_unparsable(grpc::CallbackServerContext* ctx, const grpc::Status& status) override;

  FrontServiceParts parts_;
  std::atomic<bool> draining_{false};
  std::atomic<uint64_t> next_id_{1};
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  rpc::OwnedReactors<FrontUnaryReactor> unary_;
  rpc::OwnedReactors<FrontStreamReactor> streams_;
  mutable std::mutex languages_mutex_;
  std::optional<nmt::v1::ListLanguagesResponse> languages_;  // the model's: same for all workers
};

}  // namespace nmtd::front
