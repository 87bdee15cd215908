#include "front/front_service.h"

#include <unistd.h>

#include "common/loggable.h"
#include "common/utf8.h"
#include "front/front_reactors.h"
#include "monitor/resource_sample.h"

namespace nmtd::front {

namespace {

std::string metadata(const grpc::CallbackServerContext* ctx, const std::string& key) {
  const auto& md = ctx->client_metadata();
  const auto it = md.find(key);
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

}  // namespace

FrontService::FrontService(FrontServiceParts parts) : parts_(parts) { serve_translator_methods(); }

void FrontService::on_unparsable(grpc::CallbackServerContext*, const grpc::Status& status) {
  record(FrontMetrics::kNmtV1, status.error_code(), std::chrono::steady_clock::now());
}

std::chrono::system_clock::time_point FrontService::deadline_or_default(
    std::chrono::system_clock::time_point deadline) const {
  const auto fallback = std::chrono::system_clock::now() + parts_.config.requests.default_deadline;
  // A call without a deadline reads as one in the far future: give it the default instead.
  return std::min(deadline, fallback);
}

std::vector<std::string> FrontService::known_languages() const {
  std::lock_guard lock(languages_mutex_);
  if (!languages_) return {};
  return {languages_->languages().begin(), languages_->languages().end()};
}

std::shared_ptr<ForwardedCall> FrontService::forward(const grpc::CallbackServerContext* ctx,
                                                     nmt::v1::TranslateRequest request,
                                                     ForwardedCall::Done done) {
  if (request.request_id().empty()) request.set_request_id(metadata(ctx, "x-request-id"));
  return forward(std::move(request), ctx->deadline(), std::move(done));
}

std::shared_ptr<ForwardedCall> FrontService::forward(nmt::v1::TranslateRequest request,
                                                     std::chrono::system_clock::time_point deadline,
                                                     ForwardedCall::Done done,
                                                     const grpc::CallbackServerContext* client) {
  if (draining_) {
    done(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      "the server is shutting down: send the call to another instance"),
         {});
    return nullptr;
  }
  if (request.request_id().empty())
    request.set_request_id("f" + std::to_string(::getpid()) + "-" + std::to_string(next_id_++));
  // Echoed in a protobuf string: valid UTF-8, cut on a character boundary.
  *request.mutable_request_id() = to_valid_utf8(request.request_id(), 128);
  ForwardPolicy policy;
  policy.max_attempts = parts_.config.requests.max_attempts;
  auto metrics = &parts_.metrics;
  auto& log = parts_.log;
  const std::string id = request.request_id();
  auto call = std::make_shared<ForwardedCall>(
      parts_.router, policy, std::move(request), deadline_or_default(deadline),
      [done = std::move(done), &log, id](const grpc::Status& status,
                                         nmt::v1::TranslateResponse&& response) {
        // The worker logs its own refusals; these are the ones only the front knows of.
        if (!status.ok() && status.error_code() != grpc::StatusCode::INVALID_ARGUMENT)
          log.info("request {}: {}: {}", loggable(id),
                   FrontMetrics::outcome_name(status.error_code()),
                   loggable(status.error_message(), 1000));
        done(status, std::move(response));
      },
      client);
  call->set_on_retry([metrics, &log, id](const std::string& why) {
    metrics->record_retry();
    log.warn("request {}: {}; sending it to another worker", loggable(id), loggable(why, 1000));
  });
  call->start();
  return call;
}

grpc::ServerUnaryReactor* FrontService::Translate(grpc::CallbackServerContext* ctx,
                                                  const nmt::v1::TranslateRequest* request,
                                                  nmt::v1::TranslateResponse* response) {
  auto* reactor = unary_.add(std::make_unique<FrontUnaryReactor>(*this, ctx, request, response));
  reactor->start();
  return reactor;
}

grpc::ServerBidiReactor<rpc::Parsed<nmt::v1::TranslateRequest>, nmt::v1::TranslateStreamResponse>*
FrontService::open_stream(grpc::CallbackServerContext* ctx) {
  auto* reactor = streams_.add(std::make_unique<FrontStreamReactor>(*this, ctx));
  reactor->start();
  return reactor;
}

grpc::ServerUnaryReactor* FrontService::ListLanguages(grpc::CallbackServerContext* ctx,
                                                      const nmt::v1::ListLanguagesRequest*,
                                                      nmt::v1::ListLanguagesResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  {
    std::lock_guard lock(languages_mutex_);
    if (languages_) {
      *response = *languages_;
      reactor->Finish(grpc::Status::OK);
      return reactor;
    }
  }
  auto worker = parts_.router.pick({});
  if (!worker) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                 "no worker is ready yet: the model is loading"));
    return reactor;
  }
  struct Call {
    grpc::ClientContext ctx;
    nmt::v1::ListLanguagesRequest request;
  };
  auto call = std::make_shared<Call>();
  call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  worker->stub->async()->ListLanguages(
      &call->ctx, &call->request, response,
      [this, call, worker, reactor, response](grpc::Status status) {
        if (status.ok()) {
          std::lock_guard lock(languages_mutex_);
          languages_ = *response;
        }
        reactor->Finish(status);
      });
  return reactor;
}

grpc::ServerUnaryReactor* FrontService::Score(grpc::CallbackServerContext* ctx,
                                              const nmt::v1::ScoreRequest* request,
                                              nmt::v1::ScoreResponse* response) {
  // Forwarded once to the least busy ready worker, which checks, queues and computes it; no
  // holding or retry as for Translate: a scoring client resends what it needs.
  auto* reactor = ctx->DefaultReactor();
  const auto started = std::chrono::steady_clock::now();
  auto worker = draining_ ? nullptr : parts_.router.pick({});
  if (!worker) {
    grpc::Status status(grpc::StatusCode::UNAVAILABLE,
                        draining_ ? "the server is shutting down; retry on another"
                                  : "no worker is ready: the model is loading, or its workers "
                                    "are restarting; retry shortly");
    record(FrontMetrics::kNmtV1, status.error_code(), started);
    reactor->Finish(status);
    return reactor;
  }
  // The client's cancellation and deadline reach the worker's call.
  std::shared_ptr<grpc::ClientContext> call = grpc::ClientContext::FromCallbackServerContext(*ctx);
  call->set_deadline(deadline_or_default(ctx->deadline()));
  worker->stub->async()->Score(call.get(), request, response,
                               [this, call, worker, reactor, started](grpc::Status status) {
                                 record(FrontMetrics::kNmtV1, status.error_code(), started);
                                 reactor->Finish(status);
                               });
  return reactor;
}

void FrontService::prefetch_languages() {
  {
    std::lock_guard lock(languages_mutex_);
    if (languages_) return;
  }
  auto worker = parts_.router.pick({});
  if (!worker) return;
  struct Call {
    grpc::ClientContext ctx;
    nmt::v1::ListLanguagesRequest request;
    nmt::v1::ListLanguagesResponse response;
  };
  auto call = std::make_shared<Call>();
  call->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  worker->stub->async()->ListLanguages(&call->ctx, &call->request, &call->response,
                                       [this, call, worker](grpc::Status status) {
                                         if (!status.ok()) return;
                                         std::lock_guard lock(languages_mutex_);
                                         languages_ = std::move(call->response);
                                       });
}

grpc::ServerUnaryReactor* FrontService::GetStatus(grpc::CallbackServerContext* ctx,
                                                  const nmt::v1::GetStatusRequest*,
                                                  nmt::v1::GetStatusResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  fill_status(*response);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

void FrontService::fill_status(nmt::v1::GetStatusResponse& r) const {
  const auto& c = parts_.config;
  r.set_role("front");
  r.set_version(NMTD_VERSION);
  r.set_model_path(c.model_dir.string());
  r.set_device("cpu");
  r.set_compute_type(c.worker.compute_type);
  r.set_threads(c.worker.threads);
  r.set_pid(::getpid());
  r.set_uptime_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started_)
                      .count());
  const int ready = parts_.router.accepting_workers();
  r.set_state(draining_ ? "draining" : ready > 0 ? "serving" : "starting");
  r.set_workers_wanted(c.workers);
  r.set_workers_ready(ready);
  r.set_retries(parts_.metrics.retries());
  parts_.metrics.fill_outcomes(*r.mutable_requests());

  int64_t queue = static_cast<int64_t>(parts_.router.held_texts());
  int64_t capacity = static_cast<int64_t>(parts_.router.hold_capacity());
  uint64_t translated = 0, batches = 0, expired = 0, cancelled = 0, refused_late = 0;
  nmt::v1::CacheStatus cache;
  for (const auto& w : parts_.supervisor.snapshot()) {
    auto* ws = r.add_workers();
    ws->set_slot(w.slot);
    ws->set_generation(w.generation);
    ws->set_pid(w.pid);
    ws->set_phase(w.phase);
    ws->set_age_ms(w.age.count());
    ws->set_outstanding(w.outstanding);
    ws->set_accepting(w.accepting);
    if (!w.status) continue;
    *ws->mutable_status() = *w.status;
    const auto& s = *w.status;
    queue += s.queue_depth();
    capacity += s.queue_capacity();
    translated += s.texts_translated();
    batches += s.batches();
    expired += s.texts_expired();
    cancelled += s.texts_cancelled();
    refused_late += s.calls_refused_late();
    cache.set_entries(cache.entries() + s.cache().entries());
    cache.set_bytes(cache.bytes() + s.cache().bytes());
    cache.set_capacity_bytes(cache.capacity_bytes() + s.cache().capacity_bytes());
    cache.set_hits(cache.hits() + s.cache().hits());
    cache.set_misses(cache.misses() + s.cache().misses());
    cache.set_evictions(cache.evictions() + s.cache().evictions());
    if (r.kernel_isa().empty()) r.set_kernel_isa(s.kernel_isa());
    if (r.compute_type() == "default") r.set_compute_type(s.compute_type());
  }
  r.set_queue_depth(static_cast<int32_t>(queue));
  r.set_queue_capacity(static_cast<int32_t>(capacity));
  r.set_texts_translated(translated);
  r.set_batches(batches);
  r.set_texts_expired(expired);
  r.set_texts_cancelled(cancelled);
  r.set_calls_refused_late(refused_late);
  *r.mutable_cache() = cache;

  const auto own = monitor::read_resources(nullptr);
  auto* res = r.mutable_resources();
  res->set_unix_time_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(own.at.time_since_epoch()).count());
  res->set_rss_bytes(own.rss_bytes);
  res->set_peak_rss_bytes(own.peak_rss_bytes);
  res->set_open_fds(own.open_fds);
  res->set_threads(own.threads);
  for (const auto& [reason, n] : parts_.supervisor.restarts_by_reason())
    (*r.mutable_restarts_by_reason())[reason] = n;
  if (parts_.archive) {
    for (const auto& c : parts_.archive->recent()) {
      auto* cr = r.add_crash_reports();
      cr->set_id(c.id);
      cr->set_worker(c.worker);
      cr->set_stored_at_unix_s(c.stored_at);
      cr->set_signal(c.signal_name);
      cr->set_crashed_in(c.crashed_in);
      cr->set_uncaught_exception(c.uncaught_exception);
      cr->set_symbolized(c.symbolized);
    }
  }
}

}  // namespace nmtd::front
