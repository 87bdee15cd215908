#include "front/api/front_http.h"

#include <google/protobuf/util/json_util.h>

#include <nlohmann/json.hpp>

#include "front/metrics/registry.h"

namespace nmtd::front {

namespace {

http::HttpResponse json_response(int status, const nlohmann::json& body) {
  http::HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = body.dump();
  return r;
}

}  // namespace

void mount_endpoints(http::HttpServer& server, const StatusSources& sources, FrontMetrics& metrics,
                     Supervisor& supervisor, Router& router) {
  server.get(
      "/healthz",
      [](const http::HttpRequest&) {
        return json_response(200, {{"status", "ok"}});
      },
      http::Lane::kControl);
  server.get(
      "/readyz",
      [&router](const http::HttpRequest&) {
        // Unloaded for idleness is ready: a balancer that stopped sending would never send the
        // call that wakes the workers (docs/front.md, "Idle unload").
        const int ready = router.accepting_workers();
        const bool unloaded = ready == 0 && router.unloaded();
        const bool takes = ready > 0 || unloaded;
        return json_response(takes ? 200 : 503, {{"status", takes ? "ready" : "not ready"},
                                                 {"workers_ready", ready},
                                                 {"unloaded", unloaded}});
      },
      http::Lane::kControl);
  server.get(
      "/metrics",
      [&metrics, &supervisor, &router](const http::HttpRequest&) {
        http::HttpResponse r;
        r.content_type = metrics::MetricsRegistry::kContentType;
        r.body = metrics.render(supervisor, router);
        return r;
      },
      http::Lane::kControl);
  server.get("/status", [&sources](const http::HttpRequest&) {
    nmt::v1::GetStatusResponse status;
    fill_status(sources, status);
    google::protobuf::util::JsonPrintOptions options;
    options.add_whitespace = true;
    options.preserve_proto_field_names = true;
    http::HttpResponse r;
    r.content_type = "application/json";
    if (!google::protobuf::util::MessageToJsonString(status, &r.body, options).ok()) {
      r.status = 500;
      r.body = R"({"error": "cannot render the status as JSON"})";
    }
    return r;
  });
}

}  // namespace nmtd::front
