#pragma once
// What every nmt.v1 handler of the worker tells its callers the same way: why it cannot serve
// now, the call's effective deadline, retry hints, and metadata the client sent.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>

#include "worker/pending_call.h"

namespace nmtd::worker {

enum class ServingState { kLoading, kServing, kDraining };
const char* state_name(ServingState state);

grpc::Status unavailable(ServingState state);
// The client's metadata entry `key`, empty when absent.
std::string metadata(const grpc::CallbackServerContext* ctx, const char* key);
// The client's deadline, or now + default_deadline when it set none or a later one.
Clock::time_point effective_deadline(const grpc::CallbackServerContext* ctx,
                                     std::chrono::milliseconds default_deadline);
// A retry hint in both forms clients know: gRPC's retry pushback (honoured by a retry policy)
// and HTTP's Retry-After in whole seconds.
void add_retry_trailers(grpc::CallbackServerContext& ctx, std::chrono::milliseconds after);

}  // namespace nmtd::worker
