// nmt.v1.Translator.Score on the worker: checked like Translate, its items admitted to the same
// queue under the same deadline pricing, and computed by the batcher in batches of their own.
#include <unistd.h>

#include "rpc/metadata_keys.h"
#include "worker/score_request.h"
#include "worker/translator_service.h"

namespace nmtd::worker {

grpc::ServerUnaryReactor* TranslatorService::Score(grpc::CallbackServerContext* ctx,
                                                   const nmt::v1::ScoreRequest* request,
                                                   nmt::v1::ScoreResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  const std::string request_id = make_request_id(ctx, request->request_id());
  ++parts_.stats.calls_in_progress;
  std::function<void(const std::string&, CallResult&&)> finish =
      [this, ctx, reactor, response, items = request->items_size()](const std::string& id,
                                                                    CallResult&& result) {
        record(id, result.status, static_cast<std::size_t>(items));
        if (result.status.ok()) {
          response->set_request_id(id);
          response->set_queue_time_us(result.queue_time_us);
          response->set_compute_time_us(result.compute_time_us);
          for (const auto& score : result.scores) {
            auto* out = response->add_scores();
            for (const auto& token : score.tokens) out->add_tokens(token);
            for (const float lp : score.log_probs) out->add_log_probs(lp);
          }
        }
        ctx->AddTrailingMetadata(rpc::kAnsweredBy, std::to_string(::getpid()));
        if (result.retry_after.count() > 0) add_retry_trailers(*ctx, result.retry_after);
        reactor->Finish(result.status);
        --parts_.stats.calls_in_progress;
      };
  std::function<void(grpc::Status)> refuse = [&](grpc::Status status) {
    CallResult result;
    result.status = std::move(status);
    finish(request_id, std::move(result));
  };
  guard_admission(request_id, refuse, [&](std::shared_ptr<PendingCall>& call) {
    admit_scores(*request, ctx, request_id, finish, refuse, call);
  });
  return reactor;
}

void TranslatorService::admit_scores(
    const nmt::v1::ScoreRequest& request, grpc::CallbackServerContext* ctx,
    const std::string& request_id,
    const std::function<void(const std::string&, CallResult&&)>& finish,
    const std::function<void(grpc::Status)>& refuse, std::shared_ptr<PendingCall>& call) {
  const ServingState state = state_.load();
  nmtd::Translator* translator = translator_.load();
  if (state != ServingState::kServing || translator == nullptr) return refuse(unavailable(state));
  CheckedScoreRequest checked;
  if (auto status = check_score_request(request, parts_.config, *translator, checked); !status.ok())
    return refuse(std::move(status));

  const std::size_t count = checked.pairs.size();
  call = std::make_shared<PendingCall>(
      request_id, count, effective_deadline(ctx, parts_.config.default_deadline),
      [ctx] { return ctx->IsCancelled(); },
      [finish, request_id](CallResult&& result) { finish(request_id, std::move(result)); });
  if (parts_.config.debug_fault_injection) call->fault = metadata(ctx, "x-nmtd-fault");
  auto scoring = std::make_shared<const ScoringOptions>(checked.options);
  // Priced as a greedy translation as long as the target: one decoder step per target token.
  std::vector<TextJob> jobs;
  for (std::size_t i = 0; i < count; ++i) {
    auto priced = std::make_shared<TranslationOptions>();
    priced->decoding.beam_size = 1;
    priced->decoding.max_decoding_length = static_cast<int>(checked.pairs[i].target.size()) + 1;
    priced->decoding.min_decoding_length = priced->decoding.max_decoding_length;
    TextJob job;
    job.call = call;
    job.index = i;
    job.source = std::move(checked.pairs[i].source);
    job.target = std::move(checked.pairs[i].target);
    job.target_language = job.target.front();
    job.options = std::move(priced);
    job.scoring = scoring;
    job.batch_key = checked.batch_key;
    jobs.push_back(std::move(job));
  }
  admit_jobs(*call, jobs, count);
}

}  // namespace nmtd::worker
