#include "front/api/baketa/baketa_service.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "front/api/baketa/baketa_items.h"
#include "rpc/retry_hint.h"

namespace nmtd::front {

namespace pb = baketa::translation::v1;
using baketa_items::Clock;

namespace {

// Every answer is counted, as nmt.v1's are.
void record(FrontMetrics& metrics, grpc::StatusCode code, Clock::time_point started) {
  metrics.record(FrontMetrics::kBaketa, code, Clock::now() - started);
}

}  // namespace

BaketaService::BaketaService(BaketaParts parts, const lang::LanguageDetector* detector,
                             BaketaLimits limits)
    : parts_(parts), detector_(detector), limits_(limits) {
  const std::string service = "baketa.translation.v1.TranslationService.";
  serve_unary<pb::TranslateRequest, pb::TranslateResponse>(
      service + "Translate", [this](auto* ctx, auto* request, auto* response) {
        return Translate(ctx, request, response);
      });
  serve_unary<pb::BatchTranslateRequest, pb::BatchTranslateResponse>(
      service + "TranslateBatch", [this](auto* ctx, auto* request, auto* response) {
        return TranslateBatch(ctx, request, response);
      });
  serve_unary<pb::HealthCheckRequest, pb::HealthCheckResponse>(
      service + "HealthCheck", [this](auto* ctx, auto* request, auto* response) {
        return HealthCheck(ctx, request, response);
      });
  serve_unary<pb::IsReadyRequest, pb::IsReadyResponse>(
      service + "IsReady",
      [this](auto* ctx, auto* request, auto* response) { return IsReady(ctx, request, response); });
}

void BaketaService::on_unparsable(grpc::CallbackServerContext*, const grpc::Status& status) {
  record(parts_.metrics, status.error_code(), Clock::now());
}

grpc::ServerUnaryReactor* BaketaService::Translate(grpc::CallbackServerContext* ctx,
                                                   const pb::TranslateRequest* request,
                                                   pb::TranslateResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  const auto started = Clock::now();
  const auto finish = [reactor, ctx, metrics = &parts_.metrics, started](
                          const grpc::Status& status,
                          std::chrono::milliseconds retry_after = std::chrono::milliseconds(0)) {
    record(*metrics, status.error_code(), started);
    rpc::add_retry_trailers(*ctx, retry_after);
    reactor->Finish(status);
  };
  const auto item = baketa_items::prepare(*request, limits_, detector_);
  if (!item.status.ok()) {
    // The old server answered these with a status, and clients rely on it.
    finish(item.status);
    return reactor;
  }
  if (item.nothing_to_translate) {
    baketa_items::fill_success(*response, *request, item, nullptr, started);
    finish(grpc::Status::OK);
    return reactor;
  }
  FacadeRequest job;
  job.texts = {request->source_text()};
  job.source = item.source;
  job.target = item.target;
  job.options = baketa_items::decoding(limits_.max_output_tokens);
  job.deadline = ctx->deadline();
  job.request_id = request->request_id();
  job.client = ctx;
  parts_.facade.translate(
      std::move(job), [finish, request, response, item, started](
                          const CallOutcome& call, std::vector<TextOutcome>&& outcomes) {
        if (!call.status.ok()) return finish(call.status, call.retry_after);
        const TextOutcome& outcome = outcomes.front();
        if (!outcome.status.ok()) return finish(outcome.status, outcome.retry_after);
        baketa_items::fill_success(*response, *request, item, &outcome, started);
        finish(grpc::Status::OK);
      });
  return reactor;
}

namespace {

// The items of one batch that share a language pair, translated in one facade call.
struct PairGroup {
  std::vector<int> items;
  std::vector<std::string> texts;
};

struct BatchJob {
  FrontMetrics* metrics;
  const pb::BatchTranslateRequest* request;
  pb::BatchTranslateResponse* response;
  grpc::ServerUnaryReactor* reactor;
  grpc::CallbackServerContext* ctx;
  Clock::time_point started;
  std::vector<baketa_items::PreparedItem> items;
  std::mutex mutex;
  int groups_pending = 0;
  std::vector<grpc::Status> group_failures;  // groups no worker could serve
  // Of the groups refused (RESOURCE_EXHAUSTED): the largest hint, as the batch needs them all.
  std::chrono::milliseconds retry_after{0};

  void finish_with(const grpc::Status& status) {
    record(*metrics, status.error_code(), started);
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
      rpc::add_retry_trailers(*ctx, retry_after);
    reactor->Finish(status);
  }

  void finish() {
    int ok = 0;
    for (const auto& r : response->responses()) ok += r.is_success() ? 1 : 0;
    // Nothing could be served at all (no worker, deadline): say so with a status the client
    // treats as retryable, as the old server did, rather than N identical in-band errors.
    if (!group_failures.empty() && ok == 0 &&
        static_cast<int>(group_failures.size()) == groups_total) {
      finish_with(group_failures.front());
      return;
    }
    response->set_batch_id(request->batch_id());
    response->set_success_count(ok);
    response->set_failure_count(response->responses_size() - ok);
    response->set_total_processing_time_ms(baketa_items::elapsed_ms(started));
    baketa_items::set_now(*response->mutable_timestamp());
    finish_with(grpc::Status::OK);
  }
  int groups_total = 0;
};

}  // namespace

grpc::ServerUnaryReactor* BaketaService::TranslateBatch(grpc::CallbackServerContext* ctx,
                                                        const pb::BatchTranslateRequest* request,
                                                        pb::BatchTranslateResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  auto job = std::make_shared<BatchJob>();
  job->metrics = &parts_.metrics;
  job->request = request;
  job->response = response;
  job->reactor = reactor;
  job->ctx = ctx;
  job->started = Clock::now();
  const int n = request->requests_size();
  if (n == 0) {
    job->finish_with(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the batch is empty"));
    return reactor;
  }
  if (n > limits_.max_batch_items) {
    job->finish_with(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                  "the batch has " + std::to_string(n) + " items; the limit is " +
                                      std::to_string(limits_.max_batch_items)));
    return reactor;
  }
  std::map<std::pair<std::string, std::string>, PairGroup> groups;
  for (int i = 0; i < n; ++i) {
    const auto& item_request = request->requests(i);
    auto* out = response->add_responses();
    auto item = baketa_items::prepare(item_request, limits_, detector_);
    if (!item.status.ok()) {
      baketa_items::fill_failure(*out, item_request, item.status, item.error_type, job->started);
    } else if (item.nothing_to_translate) {
      baketa_items::fill_success(*out, item_request, item, nullptr, job->started);
    } else {
      auto& group = groups[{item.source, item.target}];
      group.items.push_back(i);
      group.texts.push_back(item_request.source_text());
    }
    job->items.push_back(std::move(item));
  }
  if (groups.empty()) {
    job->finish();
    return reactor;
  }
  job->groups_pending = job->groups_total = static_cast<int>(groups.size());
  for (auto& [pair, group] : groups) {
    FacadeRequest facade_request;
    facade_request.texts = std::move(group.texts);
    facade_request.source = pair.first;
    facade_request.target = pair.second;
    facade_request.options = baketa_items::decoding(limits_.max_output_tokens_batch);
    facade_request.deadline = ctx->deadline();
    facade_request.request_id = request->batch_id();
    facade_request.client = ctx;
    parts_.facade.translate(std::move(facade_request), [job, indices = group.items](
                                                           const CallOutcome& call,
                                                           std::vector<TextOutcome>&& outcomes) {
      const grpc::Status& status = call.status;
      std::lock_guard lock(job->mutex);
      for (std::size_t k = 0; k < indices.size(); ++k) {
        const int i = indices[k];
        auto* out = job->response->mutable_responses(i);
        const auto& item_request = job->request->requests(i);
        const grpc::Status& own = status.ok() ? outcomes[k].status : status;
        const auto retry_after = status.ok() ? outcomes[k].retry_after : call.retry_after;
        job->retry_after = std::max(job->retry_after, retry_after);
        if (own.ok()) {
          baketa_items::fill_success(*out, item_request, job->items[static_cast<std::size_t>(i)],
                                     &outcomes[k], job->started);
        } else {
          baketa_items::fill_failure(*out, item_request, own,
                                     baketa_items::error_type_for(own.error_code()), job->started,
                                     retry_after);
        }
      }
      if (!status.ok()) job->group_failures.push_back(status);
      if (--job->groups_pending == 0) job->finish();
    });
  }
  return reactor;
}

grpc::ServerUnaryReactor* BaketaService::HealthCheck(grpc::CallbackServerContext* ctx,
                                                     const pb::HealthCheckRequest*,
                                                     pb::HealthCheckResponse* response) {
  // Unloaded for idleness counts as healthy: the next call starts a worker (docs/front.md).
  const bool healthy = !parts_.forwarder.draining() && parts_.forwarder.takes_calls();
  response->set_is_healthy(healthy);
  response->set_status(healthy ? "OK" : "UNAVAILABLE");
  (*response->mutable_details())["server_version"] = NMTD_VERSION;
  (*response->mutable_details())["engine"] = "nmtd";
  (*response->mutable_details())["workers_ready"] =
      std::to_string(parts_.forwarder.workers_ready());
  baketa_items::set_now(*response->mutable_timestamp());
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* BaketaService::IsReady(grpc::CallbackServerContext* ctx,
                                                 const pb::IsReadyRequest*,
                                                 pb::IsReadyResponse* response) {
  // Ready means a translation can be served now: a worker that passed its warm-up takes calls,
  // or the workers were unloaded for idleness and the call starts one.
  const bool ready = !parts_.forwarder.draining() && parts_.forwarder.takes_calls();
  response->set_is_ready(ready);
  response->set_status(ready ? "READY" : "NOT_READY");
  auto& details = *response->mutable_details();
  details["server_version"] = NMTD_VERSION;
  std::string codes;
  for (const auto& code : parts_.languages.known()) {
    if (!codes.empty()) codes += ",";
    codes += code;
  }
  details["supported_languages"] = codes;
  baketa_items::set_now(*response->mutable_timestamp());
  auto* reactor = ctx->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace nmtd::front
