#pragma once
// The front's HTTP endpoints: /healthz (the front is alive), /readyz (a worker can translate),
// /metrics (Prometheus text) and /status (GetStatus as JSON, crash reports included).
#include "front/front_metrics.h"
#include "front/front_service.h"
#include "front/http/http_server.h"
#include "front/router.h"
#include "front/supervisor.h"

namespace nmtd::front {

void mount_endpoints(http::HttpServer& server, FrontService& service, FrontMetrics& metrics,
                     Supervisor& supervisor, Router& router);

}  // namespace nmtd::front
