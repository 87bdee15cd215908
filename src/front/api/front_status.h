#pragma once
// The front's GetStatus answer, as nmt.v1's GetStatus and the HTTP /status page give it: its own
// state, each worker's latest status and the sums over them, restarts and crash reports.
#include <chrono>

#include "crash/reader/crash_archive.h"
#include "front/api/front_metrics.h"
#include "front/config/front_config.h"
#include "front/dispatch/forwarder.h"
#include "front/dispatch/router.h"
#include "front/supervise/supervisor.h"
#include "nmt/v1/translator.pb.h"

namespace nmtd::front {

struct StatusSources {
  const FrontConfig& config;
  const Router& router;
  const Supervisor& supervisor;
  const FrontMetrics& metrics;
  const Forwarder& forwarder;                     // draining
  const crash::CrashArchive* archive;             // may be null
  std::chrono::steady_clock::time_point started;  // the front's start, for uptime
};

void fill_status(const StatusSources& sources, nmt::v1::GetStatusResponse& out);

}  // namespace nmtd::front
