#pragma once
// The retry hint of a refusal that may succeed later, as trailing metadata (metadata_keys.h):
// written by whoever refuses (a worker, the front) and read by the front from its workers.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>

namespace nmtd::rpc {

// Adds the hint in both forms clients know: gRPC's retry pushback in milliseconds (honoured by
// a retry policy) and HTTP's Retry-After in whole seconds, rounded up. Nothing for `after` <= 0.
void add_retry_trailers(grpc::ServerContextBase& ctx, std::chrono::milliseconds after);

// The pushback a call's trailing metadata carries; 0 when none or not a number.
std::chrono::milliseconds retry_pushback(
    const std::multimap<grpc::string_ref, grpc::string_ref>& trailers);

// Whole seconds of a hint, rounded up: what HTTP's Retry-After says.
constexpr long long retry_after_seconds(std::chrono::milliseconds after) {
  return (after.count() + 999) / 1000;
}

}  // namespace nmtd::rpc
