#pragma once
// nmt.v1.Translator on gRPC's callback API. Handlers check and admit work and return at once:
// no gRPC thread ever waits for the engine. The batcher completes admitted calls.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "common/function_ref.h"
#include "common/log/log.h"
#include "monitor/resource_monitor.h"
#include "nmt/v1/translator.grpc.pb.h"
#include "rpc/health_service.h"
#include "rpc/owned_reactors.h"
#include "rpc/parsed_translator_service.h"
#include "worker/admission_queue.h"
#include "worker/batcher.h"
#include "worker/call_intake.h"
#include "worker/call_replies.h"
#include "worker/translate_stream.h"
#include "worker/translation_cache.h"
#include "worker/worker_config.h"
#include "worker/worker_stats.h"

namespace nmtd::worker {

// What the service reads but does not own; all of it outlives the server.
struct ServiceParts {
  const WorkerConfig& config;
  AdmissionQueue& queue;
  TranslationCache& cache;
  WorkerStats& stats;
  monitor::ResourceMonitor& monitor;
  Logger& log;
};

class TranslatorService final : public rpc::ParsedTranslatorService<TranslatorService>,
                                public CallIntake {
 public:
  explicit TranslatorService(ServiceParts parts);
  ~TranslatorService() override;

  // Loading → serving once the engine works; the batcher's activity feeds GetStatus.
  void set_serving(nmtd::Translator& translator, const Batcher& batcher);
  void set_draining();
  void set_health(rpc::HealthService* health) { health_ = health; }
  // Health follows the watchdog too: a hung engine cannot serve.
  void set_engine_stalled(bool stalled);
  ServingState state() const { return state_.load(); }

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
  // Score items go through the same queue, deadline pricing and batcher as texts to translate
  // (worker/score_service.cc).
  grpc::ServerUnaryReactor* Score(grpc::CallbackServerContext* ctx,
                                  const nmt::v1::ScoreRequest* request,
                                  nmt::v1::ScoreResponse* response) override;

  // CallIntake: one request's journey from check to completion.
  void submit(const nmt::v1::TranslateRequest& request, grpc::CallbackServerContext* ctx,
              std::string request_id, Done done) override;
  std::string make_request_id(const grpc::CallbackServerContext* ctx,
                              const std::string& from_request) override;
  void record_unparsable(const grpc::Status& status) override { record("-", status, 0); }

 private:
  void on_unparsable(grpc::CallbackServerContext* ctx, const grpc::Status& status) override;
  // Runs `admit_call`, which sets `call` once it made one. No exception crosses the RPC
  // boundary: what escapes becomes INTERNAL, on the call if made, else through `refuse`.
  void guard_admission(const std::string& request_id,
                       const std::function<void(grpc::Status)>& refuse,
                       FunctionRef<void(std::shared_ptr<PendingCall>&)> admit_call);
  void admit(const nmt::v1::TranslateRequest& request, grpc::CallbackServerContext* ctx,
             const std::string& request_id,
             const std::function<void(const std::string&, CallResult&&)>& finish,
             const std::function<void(grpc::Status)>& refuse, std::shared_ptr<PendingCall>& call);
  void admit_scores(const nmt::v1::ScoreRequest& request, grpc::CallbackServerContext* ctx,
                    const std::string& request_id,
                    const std::function<void(const std::string&, CallResult&&)>& finish,
                    const std::function<void(grpc::Status)>& refuse,
                    std::shared_ptr<PendingCall>& call);
  // Judges the call's deadline (refuse_if_late) and queues its jobs (enqueue) under one lock:
  // calls judged at once, as the texts a dead worker's front re-sends all together are, would
  // each see the queue without the others and all be admitted. True when queued.
  bool admit_jobs(PendingCall& call, std::vector<TextJob>& jobs, std::size_t count);
  // Queues all of `jobs` or fails the call (queue full, or closed); true when queued.
  bool enqueue(PendingCall& call, std::vector<TextJob>& jobs, std::size_t count);
  // Deadline-aware admission: prices the jobs (TextJob::work) and fails the call with
  // RESOURCE_EXHAUSTED and a retry hint when it cannot finish in time. True when refused.
  bool refuse_if_late(PendingCall& call, std::vector<TextJob>& jobs);
  void update_health();
  void record(const std::string& request_id, const grpc::Status& status, std::size_t texts,
              int64_t queue_us = 0, int64_t compute_us = 0);

  ServiceParts parts_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::atomic<ServingState> state_{ServingState::kLoading};
  std::atomic<bool> engine_stalled_{false};
  std::atomic<nmtd::Translator*> translator_{nullptr};
  std::atomic<const Batcher*> batcher_{nullptr};
  rpc::HealthService* health_ = nullptr;
  std::mutex health_mutex_;
  std::mutex admission_mutex_;  // admit_jobs: one call judged and queued at a time
  std::atomic<uint64_t> next_request_id_{1};
  rpc::OwnedReactors<TranslateStreamReactor> streams_;
};

}  // namespace nmtd::worker
