#pragma once
// The Forwarder over the router: each call gets a request id (the client's, else one of its
// own), the configured number of attempts and the default deadline, and a log line when only
// the front knows why it failed.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

#include "common/log/log.h"
#include "front/dispatch/forwarder.h"
#include "front/dispatch/router.h"

namespace nmtd::front {

struct ForwardSettings {
  int max_attempts = 3;                                // requests.max_attempts
  std::chrono::milliseconds default_deadline{30'000};  // requests.default_deadline
};

class WorkerForwarder final : public Forwarder {
 public:
  // `on_retry` counts each call sent again to another worker (a metric).
  WorkerForwarder(Router& router, ForwardSettings settings, Logger& log,
                  std::function<void()> on_retry = {});

  std::shared_ptr<ForwardedCall> forward(nmt::v1::TranslateRequest request,
                                         std::chrono::system_clock::time_point deadline,
                                         ForwardedCall::Done done,
                                         const grpc::CallbackServerContext* client) override;
  std::chrono::system_clock::time_point deadline_or_default(
      std::chrono::system_clock::time_point deadline) const override;
  bool draining() const override { return draining_; }
  int workers_ready() const override { return router_.accepting_workers(); }
  bool takes_calls() const override { return router_.takes_calls(); }

  // New calls are refused with UNAVAILABLE from now on (calls in flight finish).
  void set_draining() { draining_ = true; }

 private:
  Router& router_;
  const ForwardSettings settings_;
  Logger& log_;
  const std::function<void()> on_retry_;
  std::atomic<bool> draining_{false};
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace nmtd::front
