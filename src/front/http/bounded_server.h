#pragma once
// cpp-httplib's Server with every connection bounded. The library keeps its router and
// response writer; this class takes over what happens to an accepted socket, because in 0.11.4
// that part has no bounds and a lenient parser: an unbounded queue of accepted sockets, a
// thread held by each connection for as long as it lives (so a few clients trickling header
// bytes take the server down), a per-read (not per-request) timeout, request heads read in ways
// that let one request smuggle another.
//
// The way of a connection:
//   * accepted, unless max_connections are open (503) or max_connections_per_address from its
//     address (429): then answered and closed on the accept thread at once;
//   * its request head read by the HeadReader (one thread for every connection), within
//     header_timeout, and checked by parse_request_head(): a bad head gets 4xx and a close;
//   * the request served by httplib on a thread of its lane: kControl routes (health,
//     readiness, metrics) on a small lane of their own, everything else on `threads` threads
//     with at most `max_pending_connections` requests waiting; beyond that, 503 and a close;
//   * kept alive: back to the HeadReader, holding no thread while it waits.
// Every answer after which the server closes the connection says Connection: close: a request
// with a chunked body, one whose body is over max_body_bytes, one refused before its body was
// sent (Expect: 100-continue), a bad head. Any other answer, errors included, keeps it: a body
// the handler did not read is read away first.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "common/log/log.h"
#include "front/http/connection.h"
#include "front/http/http_types.h"
#include "front/http/request_head.h"
#include "front/http/socket_stream.h"

namespace nmtd::http {

class BoundedServer final : public httplib::Server {
 public:
  // Whether a request for `method` `path` (without a body) goes to the kControl lane.
  using ControlRoute = std::function<bool(const std::string& method, const std::string& path)>;

  BoundedServer(const HttpServerConfig& config, Logger& log);
  ~BoundedServer() override;
  BoundedServer(const BoundedServer&) = delete;
  BoundedServer& operator=(const BoundedServer&) = delete;

  // Before listening.
  void set_control_route(ControlRoute is_control) { is_control_ = std::move(is_control); }
  // Called on the thread that then runs listen_after_bind().
  void mark_acceptor_thread() { listening_ = true; }
  // After binding: how many connections the kernel may hold before accept().
  void set_backlog(int backlog);
  HttpServerStats stats() const;

  // For HttpRequest::client_gone: whether the client of `req`, a request this server is
  // serving, has hung up. Empty for a request without the mark serve() gives each one.
  static std::function<bool()> hang_up_probe(const httplib::Request& req);
  // That mark: a header naming the request's socket, set by the server after dropping any the
  // client sent; handlers do not see it.
  static constexpr const char* kConnectionMark = "NMTD-Connection-Fd";

 private:
  struct Lanes;

  bool process_and_close_socket(int sock) override;
  void start_lanes();
  void stop_lanes();
  std::optional<HeadError> dispatch(ConnectionPtr& connection, RequestHead&& head);
  void serve(ConnectionPtr connection, RequestHead head);
  void refuse(int sock, int status, std::string_view why);
  void warn_refusing(std::string_view why, std::atomic<std::int64_t>& last_warning);
  bool stopping() const { return svr_sock_ == INVALID_SOCKET; }

  Logger& log_;
  const HttpServerConfig config_;
  const StreamLimits limits_;
  ControlRoute is_control_;
  ConnectionLimits connection_limits_;
  std::unique_ptr<Lanes> lanes_;        // while listening; set and reset on the accept thread
  std::atomic<bool> listening_{false};  // from then on, httplib closes the listening socket
  std::atomic<std::int64_t> last_accept_warning_{0};    // steady_clock ticks
  std::atomic<std::int64_t> last_dispatch_warning_{0};  // steady_clock ticks
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::int64_t> queued_{0};          // kept by the requests lane
  std::atomic<std::int64_t> control_queued_{0};  // kept by the control lane
};

}  // namespace nmtd::http
