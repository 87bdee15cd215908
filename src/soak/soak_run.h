#pragma once
// One soak from start to verdict: start or attach to the server, run the load profiles, the
// chaos and the sampler for the duration, stop them (every request settled), stop the server
// it started, analyse, write DIR/report.json and DIR/report.html.
#include <cstdio>
#include <stop_token>

#include "soak/soak_options.h"

namespace nmtd::soak {

// 0: passed; 1: failed (lost requests, slopes over bounds, unexpected chaos outcomes, a
// dropped idle connection, a server that died or did not stop cleanly). Progress goes to `out`.
// `interrupt` ends the load early (Ctrl-C); the report is still written.
int run_soak(const SoakOptions& options, std::stop_token interrupt, std::FILE* out);

}  // namespace nmtd::soak
