#pragma once
// What handlers see and return, and how the server is bounded. Nothing here depends on
// cpp-httplib, so the front's handlers can be written and tested without it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nmtd::http {

// HTTP header names compare without case (RFC 9110); transparent, so find("content-type")
// needs no std::string.
struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const;
};

using Headers = std::multimap<std::string, std::string, CaseInsensitiveLess>;
using Params = std::multimap<std::string, std::string, std::less<>>;

struct HttpRequest {
  std::string method;  // "GET", "POST"... (HEAD is served by the GET handler)
  std::string path;    // decoded, without the query
  std::string body;    // empty for form posts, whose fields are in params
  std::string remote_addr;
  Headers headers;
  // The query string's and the form's fields (application/x-www-form-urlencoded, and the parts
  // of multipart/form-data by name), decoded.
  Params params;
  // Whether the client has hung up (closed or reset its connection, or shut its sending side)
  // while its request was being answered: a handler that waits long, for a translation, asks now
  // and then and gives up work nobody will read. Valid only while the handler runs; empty when
  // the server cannot tell.
  std::function<bool()> client_gone{};

  // The first value, or nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
  std::optional<std::string> param(std::string_view name) const;
};

// Every member has a default, so designated initializers may name any of them:
// HttpResponse{.status = 204}, HttpResponse{.content_type = "text/plain", .body = "ok"}.
struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body{};
  std::vector<std::pair<std::string, std::string>> headers{};

  // {"error": message}: LibreTranslate's error shape, which every error answer of the server
  // uses too (404, 405, 413, 500, 503...).
  static HttpResponse error(int status, std::string_view message);
};

// Called on one of the server's worker threads; may throw (the client gets a 500 and the log
// says why). Must return in bounded time: stop() waits for running handlers.
using Handler = std::function<HttpResponse(const HttpRequest&)>;

// Which threads answer a route. kControl: a small lane of its own, so that health, readiness
// and metrics answer while every request thread is busy; its handlers must be quick and never
// wait on translation. Only requests without a body take it.
enum class Lane { kRequests, kControl };

struct HttpServerConfig {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: the system picks one; start() returns it
  // Requests served at once, each on its own thread while it is read and answered.
  int threads = 4;
  // Requests whose head has arrived while every thread is busy, waiting for one; past this
  // they get a 503 at once instead of waiting unboundedly (see bounded_server.h).
  std::size_t max_pending_connections = 64;
  // Threads and waiting requests of the kControl lane.
  int control_threads = 2;
  std::size_t max_pending_control = 16;
  // Open connections, in all and from one client address; past either a new connection gets
  // 503 (in all) or 429 (its address) and is closed. Connections cost no thread until a whole
  // request head has arrived.
  std::size_t max_connections = 1024;
  std::size_t max_connections_per_address = 64;
  // A request head (request line and headers) must arrive within this, counted from the
  // connection's accept or from the first byte of a kept-alive connection's next request.
  std::chrono::milliseconds header_timeout{10000};
  std::size_t max_body_bytes = 1 << 20;           // larger request bodies get a 413
  std::size_t max_header_bytes = 64 << 10;        // request line and headers together
  std::chrono::milliseconds read_timeout{5000};   // longest wait for more bytes of a request
  std::chrono::milliseconds write_timeout{5000};  // longest wait for the client to take bytes
  // How long a kept-alive connection may wait for its next request (it holds no thread).
  std::chrono::milliseconds idle_timeout{5000};
  // A whole request's body must arrive within this (from its head), however slowly it trickles.
  std::chrono::milliseconds request_timeout{30000};
  std::size_t max_requests_per_connection = 1000;
};

struct HttpServerStats {
  std::uint64_t requests = 0;             // responses written
  std::uint64_t refused_connections = 0;  // answered 503 or 429 without being served
  std::int64_t open_connections = 0;      // accepted and not yet closed
  std::int64_t queued_connections = 0;    // a request's head here, waiting for a thread
};

// "Not Found" for 404 and so on; "Error" for a status it does not know.
std::string_view reason_phrase(int status);

}  // namespace nmtd::http
