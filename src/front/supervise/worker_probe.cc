#include "front/supervise/worker_probe.h"

#include <memory>

namespace nmtd::front {

namespace {

// The context and messages of one async call, alive until its callback has run.
template <typename Request, typename Response>
struct ProbeCall {
  grpc::ClientContext ctx;
  Request request;
  Response response;
};

template <typename Request, typename Response>
std::shared_ptr<ProbeCall<Request, Response>> make_call(std::chrono::milliseconds timeout) {
  auto call = std::make_shared<ProbeCall<Request, Response>>();
  call->ctx.set_deadline(std::chrono::system_clock::now() + timeout);
  return call;
}

std::string describe(const grpc::Status& status) {
  return "code " + std::to_string(static_cast<int>(status.error_code())) + ": " +
         status.error_message();
}

}  // namespace

void probe_health(WorkerEndpoint& worker, std::chrono::milliseconds timeout, ProbeTracker& tracker,
                  std::function<void(bool, std::string)> done) {
  using grpc::health::v1::HealthCheckRequest;
  using grpc::health::v1::HealthCheckResponse;
  auto call = make_call<HealthCheckRequest, HealthCheckResponse>(timeout);
  tracker.begin();
  worker.health->async()->Check(
      &call->ctx, &call->request, &call->response,
      [call, &tracker, done = std::move(done)](grpc::Status status) {
        if (!status.ok()) {
          done(false, "health check failed: " + describe(status));
        } else if (call->response.status() != HealthCheckResponse::SERVING) {
          done(false,
               "health is " + HealthCheckResponse::ServingStatus_Name(call->response.status()));
        } else {
          done(true, "");
        }
        tracker.end();
      });
}

void probe_status(WorkerEndpoint& worker, std::chrono::milliseconds timeout, ProbeTracker& tracker,
                  std::function<void(std::optional<nmt::v1::GetStatusResponse>)> done) {
  auto call = make_call<nmt::v1::GetStatusRequest, nmt::v1::GetStatusResponse>(timeout);
  tracker.begin();
  worker.stub->async()->GetStatus(&call->ctx, &call->request, &call->response,
                                  [call, &tracker, done = std::move(done)](grpc::Status status) {
                                    if (status.ok()) {
                                      done(std::move(call->response));
                                    } else {
                                      done(std::nullopt);
                                    }
                                    tracker.end();
                                  });
}

void probe_canary(WorkerEndpoint& worker, const std::string& text,
                  std::chrono::milliseconds timeout, ProbeTracker& tracker,
                  std::function<void(CanaryResult, std::string)> done) {
  auto call = make_call<nmt::v1::TranslateRequest, nmt::v1::TranslateResponse>(timeout);
  call->request.add_texts(text);
  call->request.set_source_language("eng_Latn");
  call->request.set_target_language("fra_Latn");
  call->request.set_request_id("canary");
  call->request.mutable_options()->set_beam_size(1);
  call->request.mutable_options()->set_max_decoding_length(8);
  tracker.begin();
  worker.stub->async()->Translate(
      &call->ctx, &call->request, &call->response,
      [call, &tracker, done = std::move(done)](grpc::Status status) {
        const auto code = status.error_code();
        // A full queue or a model without the canary's languages still proves the worker
        // answers; a hang, an engine failure or a dead transport does not.
        if (code == grpc::StatusCode::RESOURCE_EXHAUSTED ||
            code == grpc::StatusCode::INVALID_ARGUMENT) {
          done(CanaryResult::kPassed, "");
        } else if (code == grpc::StatusCode::DEADLINE_EXCEEDED) {
          done(CanaryResult::kTimedOut, "canary translation failed: " + describe(status));
        } else if (!status.ok()) {
          done(CanaryResult::kFailed, "canary translation failed: " + describe(status));
        } else if (call->response.translations_size() != 1) {
          done(CanaryResult::kFailed, "canary translation came back with " +
                                          std::to_string(call->response.translations_size()) +
                                          " answers");
        } else {
          done(CanaryResult::kPassed, "");
        }
        tracker.end();
      });
}

}  // namespace nmtd::front
