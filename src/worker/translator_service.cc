#include "worker/translator_service.h"

#include <fmt/format.h>
#include <unistd.h>

#include "common/loggable.h"
#include "common/utf8.h"
#include "rpc/metadata_keys.h"
#include "worker/call_replies.h"
#include "worker/call_response.h"
#include "worker/request_builder.h"

namespace nmtd::worker {
TranslatorService::TranslatorService(ServiceParts parts) : parts_(parts) {
  serve_translator_methods();
}

void TranslatorService::on_unparsable(grpc::CallbackServerContext* ctx,
                                      const grpc::Status& status) {
  record(make_request_id(ctx, {}), status, 0);
}

TranslatorService::~TranslatorService() = default;

void TranslatorService::set_serving(nmtd::Translator& translator, const Batcher& batcher) {
  translator_.store(&translator);
  batcher_.store(&batcher);
  state_.store(ServingState::kServing);
  update_health();
}

void TranslatorService::set_draining() {
  state_.store(ServingState::kDraining);
  update_health();
}

void TranslatorService::set_engine_stalled(bool stalled) {
  engine_stalled_.store(stalled);
  update_health();
}

void TranslatorService::update_health() {
  std::lock_guard lock(health_mutex_);
  if (!health_) return;
  const bool serving = state_.load() == ServingState::kServing && !engine_stalled_.load();
  health_->set_all(serving);
}

std::string TranslatorService::make_request_id(const grpc::CallbackServerContext* ctx,
                                               const std::string& from_request) {
  // Echoed in a protobuf string: valid UTF-8, cut on a character boundary.
  if (!from_request.empty()) return to_valid_utf8(from_request, 128);
  std::string id = metadata(ctx, "x-request-id");
  if (!id.empty()) return to_valid_utf8(id, 128);
  // Built with format rather than operator+: GCC 12 reports a false -Wrestrict on the latter.
  return fmt::format("w{}-{}", ::getpid(), next_request_id_++);
}

void TranslatorService::record(const std::string& request_id, const grpc::Status& status,
                               std::size_t texts, int64_t queue_us, int64_t compute_us) {
  parts_.stats.count_outcome(status.error_code());
  const auto code = status.error_code();
  // The id and the message (which may quote the request) are the client's: escaped.
  if (code == grpc::StatusCode::OK) {
    parts_.log.debug("request {} ok: {} texts, queued {} ms, in the engine {} ms",
                     loggable(request_id), texts, queue_us / 1000, compute_us / 1000);
  } else if (code == grpc::StatusCode::INTERNAL) {
    parts_.log.error("request {} failed: INTERNAL: {}", loggable(request_id),
                     loggable(status.error_message(), 1000));
  } else {
    parts_.log.info("request {} refused: code {}: {}", loggable(request_id), static_cast<int>(code),
                    loggable(status.error_message(), 1000));
  }
}

void TranslatorService::submit(const nmt::v1::TranslateRequest& request,
                               grpc::CallbackServerContext* ctx, std::string request_id,
                               Done done) {
  ++parts_.stats.calls_in_progress;
  std::function<void(const std::string&, CallResult&&)> finish =
      [this, done = std::move(done), texts = request.texts_size()](const std::string& id,
                                                                   CallResult&& result) {
        record(id, result.status, static_cast<std::size_t>(texts), result.queue_time_us,
               result.compute_time_us);
        done(id, std::move(result));
        --parts_.stats.calls_in_progress;
      };
  std::function<void(grpc::Status)> refuse = [&](grpc::Status status) {
    CallResult result;
    result.status = std::move(status);
    finish(request_id, std::move(result));
  };

  guard_admission(request_id, refuse, [&](std::shared_ptr<PendingCall>& call) {
    admit(request, ctx, request_id, finish, refuse, call);
  });
}

void TranslatorService::guard_admission(
    const std::string& request_id, const std::function<void(grpc::Status)>& refuse,
    FunctionRef<void(std::shared_ptr<PendingCall>&)> admit_call) {
  // No exception may cross the RPC boundary: whatever escapes admission becomes INTERNAL.
  std::shared_ptr<PendingCall> call;
  try {
    admit_call(call);
  } catch (const std::exception& e) {
    parts_.log.error("request {}: admission failed: {}", loggable(request_id),
                     loggable(e.what(), 1000));
    grpc::Status status(grpc::StatusCode::INTERNAL,
                        "admission failed (request " + request_id + "): " + e.what());
    if (call) {
      call->fail(std::move(status));
    } else {
      refuse(std::move(status));
    }
  }
}

void TranslatorService::admit(const nmt::v1::TranslateRequest& request,
                              grpc::CallbackServerContext* ctx, const std::string& request_id,
                              const std::function<void(const std::string&, CallResult&&)>& finish,
                              const std::function<void(grpc::Status)>& refuse,
                              std::shared_ptr<PendingCall>& call) {
  const ServingState state = state_.load();
  nmtd::Translator* translator = translator_.load();
  if (state != ServingState::kServing || translator == nullptr) return refuse(unavailable(state));
  const NllbTokenizer& tokenizer = translator->tokenizer();
  CheckedRequest checked;
  if (auto status = check_request(request, parts_.config, *translator, checked); !status.ok())
    return refuse(std::move(status));

  const std::size_t count = static_cast<std::size_t>(request.texts_size());
  call = std::make_shared<PendingCall>(
      request_id, count, effective_deadline(ctx, parts_.config.default_deadline),
      [ctx] { return ctx->IsCancelled(); },
      [finish, request_id](CallResult&& result) { finish(request_id, std::move(result)); });
  if (parts_.config.debug_fault_injection) call->fault = metadata(ctx, "x-nmtd-fault");

  const bool caching = parts_.config.cache_mib > 0;
  std::vector<std::pair<std::size_t, TranslationResult>> hits;
  std::vector<std::pair<std::size_t, TranslationResult>> unchanged;  // nothing to translate
  std::vector<TextJob> jobs;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string& text = request.texts(static_cast<int>(i));
    if (nothing_to_translate(text)) {
      unchanged.emplace_back(
          i, unchanged_translation(text, request.target_language(), *checked.options));
      continue;
    }
    std::vector<std::string> target_prefix;
    if (request.target_prefixes_size() > 0) {
      const auto& tokens = request.target_prefixes(static_cast<int>(i)).tokens();
      target_prefix.assign(tokens.begin(), tokens.end());
    }
    std::string key;
    if (caching) {
      key = TranslationCache::key(text, request.source_language(), request.target_language(),
                                  *checked.options, target_prefix);
      if (auto hit = parts_.cache.find(key)) {
        hits.emplace_back(i, std::move(*hit));
        continue;
      }
    }
    TextJob job;
    if (auto status = source_tokens(tokenizer, text, i, request.source_language(), *checked.options,
                                    parts_.config.limits, job.source);
        !status.ok()) {
      return call->fail(std::move(status));
    }
    job.call = call;
    job.index = i;
    job.target_language = request.target_language();
    job.target_prefix = std::move(target_prefix);
    job.cache_key = std::move(key);
    job.options = checked.options;
    job.batch_key = checked.batch_key;
    jobs.push_back(std::move(job));
  }

  if (!jobs.empty() && !admit_jobs(*call, jobs, count)) return;
  for (auto& [index, result] : unchanged) call->set_result(index, std::move(result), false);
  for (auto& [index, result] : hits) call->set_result(index, std::move(result), true);
}

bool TranslatorService::admit_jobs(PendingCall& call, std::vector<TextJob>& jobs,
                                   std::size_t count) {
  std::lock_guard lock(admission_mutex_);
  if (refuse_if_late(call, jobs)) return false;
  return enqueue(call, jobs, count);
}

bool TranslatorService::enqueue(PendingCall& call, std::vector<TextJob>& jobs, std::size_t count) {
  std::vector<TextJob> dead;
  const auto pushed = parts_.queue.push(jobs, dead);
  fail_dead_jobs(dead, parts_.stats);
  if (pushed == AdmissionQueue::PushResult::kFull) {
    call.fail(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                           "the queue is full (" + std::to_string(parts_.queue.depth()) + " of " +
                               std::to_string(parts_.queue.capacity()) + " texts waiting, " +
                               std::to_string(count) +
                               " more asked): retry after a short backoff"));
    return false;
  }
  if (pushed == AdmissionQueue::PushResult::kClosed) {
    call.fail(unavailable(state_));
    return false;
  }
  return true;
}

bool TranslatorService::refuse_if_late(PendingCall& call, std::vector<TextJob>& jobs) {
  const Batcher* batcher = batcher_.load();
  if (batcher == nullptr) return false;
  const ThroughputModel& model = batcher->throughput();
  double own_work = 0, own_steps = 0;
  for (auto& job : jobs) {
    job.work = model.text_work(job.tokens(), job.options->decoding);
    own_work += job.work;
    own_steps = std::max(own_steps, model.text_steps_high(job.tokens(), job.options->decoding));
  }
  Backlog backlog = batcher->running();
  backlog.queued_work = parts_.queue.queued_work();
  const auto remaining =
      std::chrono::duration_cast<std::chrono::microseconds>(call.deadline() - Clock::now());
  const auto e = estimate_completion(model, backlog, own_work, own_steps);
  if (!e) return false;  // too few measurements: nothing is refused on a guess
  const auto late = judge_estimate(*e, remaining);
  if (!late) {
    // Guarded: the arguments (the id escaped) would be built even when debug is off.
    if (parts_.log.should_log(spdlog::level::debug))
      parts_.log.debug(
          "request {} admitted: {} texts, estimate {:.0f} ms of {} ms left (ahead {:.0f} ms, "
          "own {:.0f} ms: {:.0f} steps at line {:.1f} / pace {:.1f} ms, work {:.0f} ms)",
          loggable(call.request_id()), jobs.size(), (e->ahead_s + e->own_s) * 1e3,
          remaining.count() / 1000, e->ahead_s * 1e3, e->own_s * 1e3, e->own_steps,
          e->step_line_s * 1e3, e->step_pace_s * 1e3, e->own_work_s * 1e3);
    return false;
  }
  ++parts_.stats.calls_refused_late;
  const auto deadline_ms = std::chrono::duration_cast<std::chrono::milliseconds>(remaining);
  const std::string why =
      late->own.count() * 3 > deadline_ms.count() * 4
          ? fmt::format(
                "its {} texts alone need about {} ms of engine time (send fewer or "
                "allow a longer deadline)",
                jobs.size(), late->own.count())
          : fmt::format("the work ahead of it needs about {} ms", late->retry_after.count());
  call.fail(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                         fmt::format("this worker cannot finish the request before its deadline "
                                     "({} ms left; it would take about {} ms): {}; capacity "
                                     "frees in about {} ms: retry then, or elsewhere",
                                     deadline_ms.count(), late->needed.count(), why,
                                     late->retry_after.count())),
            std::max(late->retry_after, std::chrono::milliseconds(1)));
  return true;
}

grpc::ServerUnaryReactor* TranslatorService::Translate(grpc::CallbackServerContext* ctx,
                                                       const nmt::v1::TranslateRequest* request,
                                                       nmt::v1::TranslateResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  submit(*request, ctx, make_request_id(ctx, request->request_id()),
         [ctx, reactor, response](const std::string& id, CallResult&& result) {
           if (result.status.ok()) fill_response(id, result, *response);
           ctx->AddTrailingMetadata(rpc::kAnsweredBy, std::to_string(::getpid()));
           if (result.retry_after.count() > 0) add_retry_trailers(*ctx, result.retry_after);
           reactor->Finish(result.status);
         });
  return reactor;
}

grpc::ServerBidiReactor<rpc::Parsed<nmt::v1::TranslateRequest>, nmt::v1::TranslateStreamResponse>*
TranslatorService::open_stream(grpc::CallbackServerContext* ctx) {
  auto* stream = streams_.add(std::make_unique<TranslateStreamReactor>(*this, streams_, ctx));
  stream->start();
  return stream;
}

grpc::ServerUnaryReactor* TranslatorService::ListLanguages(
    grpc::CallbackServerContext* ctx, const nmt::v1::ListLanguagesRequest*,
    nmt::v1::ListLanguagesResponse* response) {
  auto* reactor = ctx->DefaultReactor();
  const nmtd::Translator* translator = translator_.load();
  if (translator == nullptr) {
    reactor->Finish(unavailable(state_.load()));
    return reactor;
  }
  for (const auto& code : translator->tokenizer().languages()) response->add_languages(code);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* TranslatorService::GetStatus(grpc::CallbackServerContext* ctx,
                                                       const nmt::v1::GetStatusRequest*,
                                                       nmt::v1::GetStatusResponse* r) {
  auto* reactor = ctx->DefaultReactor();
  r->set_version(NMTD_VERSION);
  r->set_model_path(parts_.config.model_dir.string());
  r->set_device("cpu");
  r->set_pid(::getpid());
  r->set_role("worker");
  r->set_state(state_name(state_.load()));
  r->set_uptime_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started_)
                       .count());
  if (const nmtd::Translator* translator = translator_.load()) {
    r->set_compute_type(translator->info().compute_type);
    r->set_threads(translator->info().num_threads);
    r->set_kernel_isa(translator->info().kernel_isa);
  }
  r->set_queue_depth(parts_.queue.depth());
  r->set_queue_capacity(parts_.queue.capacity());
  const OutcomeCounts o = parts_.stats.outcomes();
  auto* counts = r->mutable_requests();
  counts->set_ok(o.ok);
  counts->set_invalid_argument(o.invalid_argument);
  counts->set_resource_exhausted(o.resource_exhausted);
  counts->set_deadline_exceeded(o.deadline_exceeded);
  counts->set_cancelled(o.cancelled);
  counts->set_unavailable(o.unavailable);
  counts->set_internal(o.internal);
  r->set_texts_translated(parts_.stats.texts_translated.load());
  r->set_texts_expired(parts_.stats.texts_expired.load());
  r->set_texts_cancelled(parts_.stats.texts_cancelled.load());
  r->set_batches(parts_.stats.batches.load());
  const CacheStats c = parts_.cache.stats();
  auto* cache = r->mutable_cache();
  cache->set_entries(c.entries);
  cache->set_bytes(c.bytes);
  cache->set_capacity_bytes(c.capacity_bytes);
  cache->set_hits(c.hits);
  cache->set_misses(c.misses);
  cache->set_evictions(c.evictions);
  const monitor::MonitorReport m = parts_.monitor.latest();
  auto* res = r->mutable_resources();
  res->set_unix_time_ms(
      std::chrono::duration_cast<std::chrono::milliseconds>(m.sample.at.time_since_epoch())
          .count());
  res->set_rss_bytes(m.sample.rss_bytes);
  res->set_peak_rss_bytes(m.sample.peak_rss_bytes);
  res->set_open_fds(m.sample.open_fds);
  res->set_threads(m.sample.threads);
  res->set_gpu_available(m.sample.gpu.has_value());
  if (m.sample.gpu) {
    res->set_gpu_used_bytes(m.sample.gpu->used_bytes);
    res->set_gpu_total_bytes(m.sample.gpu->total_bytes);
  }
  res->set_rss_growth_mib_per_hour(m.rss_growth_mib_per_hour);
  res->set_fds_growth_per_hour(m.fds_growth_per_hour);
  res->set_threads_growth_per_hour(m.threads_growth_per_hour);
  res->set_gpu_growth_mib_per_hour(m.gpu_growth_mib_per_hour);
  for (const auto& w : m.warnings) res->add_warnings(w);
  r->set_engine_stalled(engine_stalled_.load());
  if (const Batcher* batcher = batcher_.load()) {
    r->set_engine_call_ms(batcher->activity().running_for().count());
    r->set_engine_no_progress_ms(batcher->activity().without_progress().count());
  }
  r->set_calls_refused_late(parts_.stats.calls_refused_late.load());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace nmtd::worker
