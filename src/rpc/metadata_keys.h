#pragma once
// Metadata names the front and its workers agree on.
namespace nmtd::rpc {

// Trailing metadata a worker adds to every Translate it answers itself (success or refusal).
// A status without it came from the transport (the worker died or never saw the call), which
// the front may safely send to another worker; one with it is the worker's verdict.
inline constexpr const char* kAnsweredBy = "nmtd-answered-by";

}  // namespace nmtd::rpc
