#include "rpc/retry_hint.h"

#include <charconv>
#include <string>

#include "rpc/metadata_keys.h"

namespace nmtd::rpc {

void add_retry_trailers(grpc::ServerContextBase& ctx, std::chrono::milliseconds after) {
  if (after.count() <= 0) return;
  ctx.AddTrailingMetadata(kRetryPushbackMs, std::to_string(after.count()));
  ctx.AddTrailingMetadata(kRetryAfter, std::to_string(retry_after_seconds(after)));
}

std::chrono::milliseconds retry_pushback(
    const std::multimap<grpc::string_ref, grpc::string_ref>& trailers) {
  const auto it = trailers.find(kRetryPushbackMs);
  if (it == trailers.end()) return std::chrono::milliseconds(0);
  long long ms = 0;
  const char* begin = it->second.data();
  const char* end = begin + it->second.size();
  const auto [at, error] = std::from_chars(begin, end, ms);
  if (error != std::errc() || at != end || ms < 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(ms);
}

}  // namespace nmtd::rpc
