#pragma once
// The front's HTTP endpoints: /healthz (the front is alive), /readyz (a worker can translate),
// /metrics (Prometheus text) and /status (GetStatus as JSON, crash reports included).
#include "front/api/front_metrics.h"
#include "front/api/front_status.h"
#include "front/dispatch/router.h"
#include "front/http/http_server.h"
#include "front/supervise/supervisor.h"

namespace nmtd::front {

// `status` and what it refers to must outlive the server's use of its routes.
void mount_endpoints(http::HttpServer& server, const StatusSources& status, FrontMetrics& metrics,
                     Supervisor& supervisor, Router& router);

}  // namespace nmtd::front
