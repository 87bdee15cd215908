#pragma once
// The name of a call's outcome, one word per status code a client can meet: the `outcome`
// label of the front's metrics and the word its log lines use.
#include <grpcpp/grpcpp.h>

namespace nmtd::front {

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
