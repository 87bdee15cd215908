#pragma once
// The chaos actions that misbehave as clients (the others signal workers; chaos_monkey.h).
// Each makes a number of checks and says of each whether the server answered as it should:
//  flood        far more concurrent calls than the queues hold: each must end OK (well formed),
//               RESOURCE_EXHAUSTED or, for the short flood deadline, DEADLINE_EXCEEDED;
//  malformed    invalid UTF-8, unknown languages, empty and oversized requests, options out of
//               range, garbage bytes on the gRPC and HTTP ports: clear errors, and the server
//               answers a good request right after;
//  slow-client  a stream that writes and never reads, a half-sent HTTP request, an HTTP/2
//               connection that goes silent: while they hang on, others are served.
#include <chrono>
#include <optional>
#include <random>
#include <stop_token>
#include <string>
#include <vector>

#include "soak/corpus.h"

namespace nmtd::soak {

struct ProbeTargets {
  std::string grpc;                 // host:port
  std::optional<std::string> http;  // host:port of the HTTP endpoints, when known
  // The good requests that check the server still serves get the soak's request deadline: on
  // a large model they may queue behind the probe's own work for a while.
  std::chrono::milliseconds deadline{30'000};
};

struct ProbeCheck {
  bool expected = false;
  std::string note;  // what was checked and what came back
};

std::vector<ProbeCheck> flood_probe(const ProbeTargets& targets, const Corpus& corpus,
                                    std::mt19937_64& rng);
std::vector<ProbeCheck> malformed_probes(const ProbeTargets& targets);
std::vector<ProbeCheck> slow_client_probe(const ProbeTargets& targets, const Corpus& corpus,
                                          std::mt19937_64& rng, std::chrono::milliseconds hold,
                                          std::stop_token stop);

}  // namespace nmtd::soak
