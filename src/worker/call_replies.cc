#include "worker/call_replies.h"

#include "rpc/retry_hint.h"

namespace nmtd::worker {

const char* state_name(ServingState state) {
  switch (state) {
    case ServingState::kLoading:
      return "loading";
    case ServingState::kServing:
      return "serving";
    case ServingState::kDraining:
      return "draining";
  }
  return "unknown";
}

grpc::Status unavailable(ServingState state) {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                      state == ServingState::kLoading
                          ? "the model is still loading; retry shortly (health reports SERVING "
                            "once it can translate)"
                          : "this worker is shutting down (draining); retry on another");
}

std::string metadata(const grpc::CallbackServerContext* ctx, const char* key) {
  const auto& md = ctx->client_metadata();
  const auto it = md.find(key);
  return it == md.end() ? std::string() : std::string(it->second.data(), it->second.size());
}

Clock::time_point effective_deadline(const grpc::CallbackServerContext* ctx,
                                     std::chrono::milliseconds default_deadline) {
  const auto now = Clock::now();
  const auto client = ctx->deadline();  // system_clock::time_point::max() when none
  if (client == std::chrono::system_clock::time_point::max()) return now + default_deadline;
  const auto remaining = client - std::chrono::system_clock::now();
  return now + std::min<Clock::duration>(std::chrono::duration_cast<Clock::duration>(remaining),
                                         default_deadline);
}

void add_retry_trailers(grpc::CallbackServerContext& ctx, std::chrono::milliseconds after) {
  rpc::add_retry_trailers(ctx, after);
}

}  // namespace nmtd::worker
