#pragma once
// What a call carried to the workers ended with: its status and, for a refusal that may succeed
// later, when to try again; and the name of an outcome, one word per status code a client can
// meet: the `outcome` label of the front's metrics and the word its log lines use.
#include <grpcpp/grpcpp.h>

#include <chrono>

namespace nmtd::front {

struct CallOutcome {
  grpc::Status status;
  // Set (> 0) only on RESOURCE_EXHAUSTED: how long until capacity frees, as the refusing worker
  // estimated it or the front can justify it. Each API hands it to its clients (the
  // grpc-retry-pushback-ms and retry-after trailers, HTTP's Retry-After).
  std::chrono::milliseconds retry_after{0};
};

constexpr const char* outcome_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "ok";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "invalid_argument";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "resource_exhausted";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "deadline_exceeded";
    case grpc::StatusCode::CANCELLED:
      return "cancelled";
    case grpc::StatusCode::UNAVAILABLE:
      return "unavailable";
    case grpc::StatusCode::INTERNAL:
      return "internal";
    default:
      return "other";
  }
}

}  // namespace nmtd::front
