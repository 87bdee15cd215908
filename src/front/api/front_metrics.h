#pragma once
// The front's figures: what it counts itself (outcomes, latency, retries) as they happen, and
// what it copies from the supervisor and the workers' latest status when /metrics is read.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <string>

#include "front/metrics/registry.h"
#include "nmt/v1/translator.pb.h"

namespace nmtd::front {

class Supervisor;
class Router;

class FrontMetrics {
 public:
  explicit FrontMetrics(int workers_wanted);

  // The APIs counted apart (the `api` label): nmt.v1, Baketa's gRPC contract, LibreTranslate.
  static constexpr const char* kNmtV1 = "nmt_v1";
  static constexpr const char* kBaketa = "baketa";
  static constexpr const char* kLibreTranslate = "libretranslate";

  // One finished translation call (or stream message) on `api`, by outcome.
  void record(const std::string& api, grpc::StatusCode code, std::chrono::nanoseconds took);
  // The same for an HTTP API's answer, by its status (400 invalid_argument, 503 unavailable...).
  void record_http(const std::string& api, int http_status, std::chrono::nanoseconds took);
  void record_retry() { retries_->inc(); }

  // The front's own outcome counters, as GetStatus reports them.
  void fill_outcomes(nmt::v1::OutcomeCounters& out) const;
  uint64_t retries() const { return static_cast<uint64_t>(retries_->value()); }

  // Prometheus text of everything, refreshed from `supervisor` and `router` first.
  std::string render(const Supervisor& supervisor, const Router& router);

  static std::string outcome_name(grpc::StatusCode code);
  static grpc::StatusCode code_of_http_status(int http_status);

 private:
  void refresh(const Supervisor& supervisor, const Router& router);

  metrics::MetricsRegistry registry_;
  const int workers_wanted_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  metrics::Counter* retries_;
  std::map<std::string, metrics::Counter*> nmt_v1_outcomes_;  // by outcome name, for GetStatus
};

}  // namespace nmtd::front
