#pragma once
// The front's HTTP server (/healthz, /readyz, /metrics, /status, LibreTranslate's API...), on
// cpp-httplib with every connection bounded (bounded_server.h).
//
//   HttpServer http(HttpServerConfig{.port = 50052}, log);
//   http.get("/healthz", [](const HttpRequest&) { return HttpResponse{.body = "{}"}; });
//   int port = http.start();   // listening when it returns; throws IoError when it cannot
//   ...
//   http.stop();               // or let the destructor do it
//
// Routes are exact paths, added before start(). Every error answer is JSON {"error": "..."}:
// 404 for an unknown path, 405 (with Allow) for a known path and another method, 413 for a body
// over max_body_bytes, 500 when a handler throws (the exception goes to the log, not to the
// client), 503 when every thread and queue slot is taken; a malformed or ambiguous request head
// gets 400 (request_head.h). Each request is logged at debug level with method, path, status
// and duration.
#include <memory>
#include <string>

#include "common/log/log.h"
#include "front/http/http_types.h"

namespace nmtd::http {

class HttpServer {
 public:
  // Throws InvalidArgument for a configuration that cannot work (no threads, a port outside
  // 0-65535, a zero timeout). `log` must outlive the server.
  HttpServer(HttpServerConfig config, Logger& log);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Adds a route; throws InvalidArgument for a path not starting with '/' or one already routed
  // for that method, and nmtd::Error once started. HEAD is answered by the GET route. `lane`:
  // Lane::kControl for health, readiness and metrics, which must answer while every request
  // thread is busy (see http_types.h).
  void route(const std::string& method, const std::string& path, Handler handler,
             Lane lane = Lane::kRequests);
  void get(const std::string& path, Handler handler, Lane lane = Lane::kRequests) {
    route("GET", path, std::move(handler), lane);
  }
  void post(const std::string& path, Handler handler) { route("POST", path, std::move(handler)); }

  // Binds and listens before returning, then serves on its own threads. Returns the port (the
  // chosen one when the configuration says 0). Throws IoError("cannot listen on HOST:PORT:
  // reason") when the address cannot be bound: a port held by another process fails, it is never
  // shared (no SO_REUSEPORT). Throws nmtd::Error when called twice.
  int start();

  // Stops accepting, lets running handlers finish and their answers go out, closes every
  // connection and joins every thread. Idempotent; safe from any thread except a handler's
  // (it would wait for itself).
  void stop();

  HttpServerStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nmtd::http
