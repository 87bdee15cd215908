#pragma once
// The front's HTTP endpoints: /healthz (the front is alive), /readyz (a worker can translate),
// /metrics (Prometheus text) and /status (GetStatus as JSON, crash reports included).
#include "front/api/front_metrics.h"
#include "front/api/front_service.h"
#include "front/dispatch/router.h"
#include "front/http/http_server.h"
#include "front/supervise/supervisor.h"

namespace nmtd::front {

void mount_endpoints(http::HttpServer& server, FrontService& service, FrontMetrics& metrics,
                     Supervisor& supervisor, Router& router);

}  // namespace nmtd::front
