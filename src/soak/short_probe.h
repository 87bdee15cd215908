#pragma once
// The short-probe profile: what a game player feels while others load the server. One short
// text (at most kShortProbeChars code points) every 1-3 s through nmt.v1, and, before any
// load starts, a few of them on the idle server: the unloaded latency the loaded one is
// compared with (docs/operations.md, "Short texts under load").
#include <chrono>
#include <cstdint>
#include <random>
#include <stop_token>
#include <string>

#include "soak/corpus.h"
#include "soak/report/soak_record.h"
#include "soak/request_ledger.h"
#include "soak/server_calls.h"

namespace nmtd::soak {

inline constexpr std::size_t kShortProbeChars = 20;
// The profile names (kShortProbeProfile, kUnloadedProbeProfile) are in soak_record.h: the
// report reads them back.

// A short text that no earlier probe sent: a corpus text of 10-15 code points and the probe's
// number, so that a worker's translation cache never answers it. At most kShortProbeChars.
TextSample short_probe_text(const Corpus& corpus, std::mt19937_64& rng, uint64_t n);

// Sends probes one after the other on the idle server, recorded under kUnloadedProbeProfile
// after `warmup` more whose latency is not kept (the first calls of a connection and of a
// worker's caches): `count` of them, or as many as `budget` leaves time for, but at least 3
// (on a large model with random weights every output runs to the decoding limit, seconds
// each). Returns false when stopped.
bool probe_unloaded(const ServerCalls& calls, const Corpus& corpus, RequestLedger& ledger,
                    std::chrono::milliseconds deadline, uint64_t seed, int warmup, int count,
                    std::chrono::seconds budget, std::stop_token stop);

// The profile's loop, until stopped or the ledger's budget is spent.
void probe_under_load(const ServerCalls& calls, const Corpus& corpus, RequestLedger& ledger,
                      std::chrono::milliseconds deadline, uint64_t seed, std::stop_token stop);

}  // namespace nmtd::soak
