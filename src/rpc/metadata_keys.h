#pragma once
// Metadata names the front and its workers agree on.
namespace nmtd::rpc {

// Trailing metadata a worker adds to every Translate it answers itself (success or refusal).
// A status without it came from the transport (the worker died or never saw the call), which
// the front may safely send to another worker; one with it is the worker's verdict.
inline constexpr const char* kAnsweredBy = "nmtd-answered-by";

// Trailing metadata of a refusal that may succeed later (RESOURCE_EXHAUSTED for a deadline the
// worker cannot meet now): milliseconds until capacity frees, as gRPC's retry pushback reads
// it, and the same in whole seconds.
inline constexpr const char* kRetryPushbackMs = "grpc-retry-pushback-ms";
inline constexpr const char* kRetryAfter = "retry-after";

}  // namespace nmtd::rpc
