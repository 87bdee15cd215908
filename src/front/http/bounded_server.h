#pragma once
// cpp-httplib's Server with every connection bounded. The library keeps its parser, router and
// response writer; this class takes over what happens to an accepted socket, because in 0.11.4
// that part has no bounds: an unbounded queue of accepted sockets, no limit on the bytes of a
// request line or a chunked body, a per-read (not per-request) timeout, keep-alive waits that
// ignore a stopping server.
//
// The bound, end to end:
//   * the kernel's listen backlog (threads + max_pending_connections, at least 16);
//   * `threads` connections served at once, each on a ConnectionPool thread;
//   * at most `max_pending_connections` accepted sockets waiting for a thread;
//   * anything beyond: answered 503 {"error": ...} and closed on the accept thread at once.
// So open sockets never exceed threads + max_pending + 1 (the one being refused), whatever
// clients do. A connection waiting for its next request gives its thread up when another one
// is queued, and any request must arrive within request_timeout, so slow or idle clients
// delay others by a bounded time and cannot starve them.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <thread>

#include "common/log/log.h"
#include "front/http/http_types.h"
#include "front/http/socket_stream.h"

namespace nmtd::http {

class BoundedServer final : public httplib::Server {
 public:
  BoundedServer(const HttpServerConfig& config, Logger& log);
  ~BoundedServer() override;
  BoundedServer(const BoundedServer&) = delete;
  BoundedServer& operator=(const BoundedServer&) = delete;

  // Called on the thread that then runs listen_after_bind(): connections that ConnectionPool
  // hands back to that thread are refused there (see connection_pool.h).
  void mark_acceptor_thread() {
    acceptor_.store(std::this_thread::get_id());
    listening_ = true;
  }
  // After binding: how many connections the kernel may hold before accept().
  void set_backlog(int backlog);
  HttpServerStats stats() const;

 private:
  bool process_and_close_socket(int sock) override;
  void serve(int sock);
  void refuse(int sock, std::string_view why);
  void warn_refusing(std::string_view why);
  bool stopping() const { return svr_sock_ == INVALID_SOCKET; }

  Logger& log_;
  const StreamLimits limits_;
  const std::chrono::milliseconds idle_timeout_;
  const std::size_t max_requests_per_connection_;
  const std::size_t max_body_bytes_;
  std::atomic<std::thread::id> acceptor_{};
  std::atomic<bool> listening_{false};  // from then on, httplib closes the listening socket
  std::chrono::steady_clock::time_point last_refusal_warning_{};  // acceptor thread only
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::int64_t> open_{0};
  std::atomic<std::int64_t> queued_{0};  // kept by ConnectionPool
};

}  // namespace nmtd::http
