#include "front/http/bounded_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <memory>
#include <string>

#include "front/http/connection_pool.h"
#include "front/http/loggable.h"

namespace nmtd::http {
namespace {

using Clock = std::chrono::steady_clock;

// A new connection's first request may still be on the wire when it gets its thread; only
// after this long does it make way for a queued connection.
constexpr std::chrono::milliseconds kFirstRequestGrace{100};
// After answering 503, how long the accept thread waits for a request that has not arrived yet,
// to read it away before closing: closing with unread bytes makes the kernel send a reset, which
// can destroy the 503 before the client reads it. Clients send their request right behind the
// handshake's last ACK, and under a flood it has usually waited in the backlog already, so this
// is short: a flood of silent connections costs the accept thread no more than this each.
constexpr std::chrono::milliseconds kRefuseLinger{2};
constexpr std::size_t kRefuseDrainBytes = 256 << 10;
constexpr std::chrono::seconds kRefusalWarningEvery{10};

// Sockets must not leak into the workers the front starts (httplib 0.11.4 accepts without
// SOCK_CLOEXEC); the window before this call is closed by the front's spawner closing
// descriptors in the child.
void set_cloexec(int fd) { ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC); }

struct RequestSeen {
  std::string method = "-";
  std::string path = "-";
  bool has_body = false;
  long long content_length = -1;  // -1: none given (or chunked)
};

bool reads_body(const std::string& method) {
  // The methods cpp-httplib reads a body for (detail::expect_content).
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// Whether bytes of this request may still be unread, or the client sent what the parser could
// not make sense of: then the next "request" on the connection would be garbage.
bool must_close(const SocketStream& stream, const RequestSeen& seen) {
  if (stream.broken()) return true;
  const int status = stream.response_status();
  if (status == 0 || status == 400 || status == 408 || status == 413 || status == 414 ||
      status == 431) {
    return true;
  }
  // After an error the body may not have been read (404, 405 and 413 answer without it), and
  // the server never reads a body sent with GET, HEAD or OPTIONS.
  return seen.has_body && (status >= 400 || !reads_body(seen.method));
}

// Reads and drops `bytes` bytes of request body; false when the client did not send them.
bool drain(SocketStream& stream, long long bytes) {
  std::array<char, 4096> sink;
  while (bytes > 0) {
    const auto want = static_cast<std::size_t>(std::min<long long>(bytes, sink.size()));
    const ssize_t got = stream.read(sink.data(), want);
    if (got <= 0) return false;
    bytes -= got;
  }
  return true;
}

class SocketCloser {
 public:
  explicit SocketCloser(int fd) : fd_(fd) {}
  ~SocketCloser() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
  }
  SocketCloser(const SocketCloser&) = delete;
  SocketCloser& operator=(const SocketCloser&) = delete;

 private:
  int fd_;
};

class OpenCount {
 public:
  explicit OpenCount(std::atomic<std::int64_t>& n) : n_(n) { n_.fetch_add(1); }
  ~OpenCount() { n_.fetch_sub(1); }
  OpenCount(const OpenCount&) = delete;
  OpenCount& operator=(const OpenCount&) = delete;

 private:
  std::atomic<std::int64_t>& n_;
};

}  // namespace

BoundedServer::BoundedServer(const HttpServerConfig& config, Logger& log)
    : log_(log),
      limits_{config.read_timeout, config.write_timeout, config.request_timeout,
              config.max_body_bytes + config.max_header_bytes},
      idle_timeout_(config.idle_timeout),
      max_requests_per_connection_(config.max_requests_per_connection),
      max_body_bytes_(config.max_body_bytes) {
  const auto threads = static_cast<std::size_t>(config.threads);
  const std::size_t max_queued = config.max_pending_connections;
  // httplib takes ownership of the queue it gets from this factory (a unique_ptr in
  // listen_internal), hence the release().
  new_task_queue = [this, threads, max_queued] {
    return std::make_unique<ConnectionPool>(threads, max_queued, queued_).release();
  };
  // Replaces httplib's default, which sets SO_REUSEPORT: with it a second server could bind the
  // same port and silently share its traffic. SO_REUSEADDR only lets a restarted front bind
  // while old connections linger in TIME_WAIT; a port another socket listens on still fails.
  set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    set_cloexec(sock);
  });
  set_payload_max_length(config.max_body_bytes);
  set_keep_alive_max_count(config.max_requests_per_connection);
  set_read_timeout(config.read_timeout);
  set_write_timeout(config.write_timeout);
}

BoundedServer::~BoundedServer() {
  // Bound but never listening (start() failed after binding): httplib would not close it.
  if (!listening_ && svr_sock_ != INVALID_SOCKET) ::close(svr_sock_.exchange(INVALID_SOCKET));
}

void BoundedServer::set_backlog(int backlog) {
  // listen() again on a listening socket only changes its backlog (httplib 0.11.4 uses 5, too
  // few for a burst of clients: the kernel drops their SYNs and they retry a second later).
  ::listen(svr_sock_, backlog);
}

HttpServerStats BoundedServer::stats() const {
  HttpServerStats s;
  s.requests = requests_.load(std::memory_order_relaxed);
  s.refused_connections = refused_.load(std::memory_order_relaxed);
  s.open_connections = open_.load(std::memory_order_relaxed);
  s.queued_connections = queued_.load(std::memory_order_relaxed);
  return s;
}

bool BoundedServer::process_and_close_socket(int sock) {
  const SocketCloser closer(sock);
  set_cloexec(sock);
  // Responses go out as a header write and a body write: without this, Nagle's algorithm and
  // the client's delayed ACK hold every keep-alive response back by some 40 ms.
  int yes = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  try {
    if (std::this_thread::get_id() == acceptor_.load()) {
      refuse(sock, "too many connections");
      warn_refusing("too many connections");
    } else if (stopping()) {
      refuse(sock, "the server is stopping");
    } else {
      serve(sock);
    }
  } catch (const std::exception& e) {
    log_.error("http: connection failed: {}", e.what());
  } catch (...) {
    log_.error("http: connection failed with an unknown exception");
  }
  return true;
}

void BoundedServer::serve(int sock) {
  const OpenCount counted(open_);
  SocketStream stream(sock, limits_, [this] { return stopping(); });
  for (std::size_t served = 0; served < max_requests_per_connection_; ++served) {
    const auto idle_since = Clock::now();
    const std::function<bool()> make_way = [&] {
      return queued_.load(std::memory_order_relaxed) > 0 &&
             (served > 0 || Clock::now() - idle_since >= kFirstRequestGrace);
    };
    if (!stream.wait_for_request(idle_since + idle_timeout_, make_way)) return;

    stream.begin_request();
    const auto start = Clock::now();
    RequestSeen seen;
    bool client_closes = false;
    const bool last = served + 1 == max_requests_per_connection_ || stopping();
    const bool ok = process_request(stream, last, client_closes, [&seen](httplib::Request& req) {
      seen.method = req.method;
      seen.path = req.path;
      seen.has_body =
          (req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0") ||
          req.has_header("Transfer-Encoding");
      if (req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
        const auto v = req.get_header_value("Content-Length");
        long long n = -1;
        if (std::from_chars(v.data(), v.data() + v.size(), n).ec == std::errc())
          seen.content_length = n;
      }
    });
    const int status = stream.response_status();
    if (status != 0) {
      requests_.fetch_add(1, std::memory_order_relaxed);
      const std::chrono::duration<double, std::milli> took = Clock::now() - start;
      log_.debug("http: {} {} -> {} in {:.1f} ms", loggable(seen.method), loggable(seen.path),
                 status, took.count());
    }
    // A GET (or HEAD, OPTIONS) may carry a body httplib never reads (LibreTranslate's Python
    // client sends one): read it away so the connection can carry the next request.
    if (ok && seen.has_body && !reads_body(seen.method) && seen.content_length > 0 &&
        seen.content_length <= static_cast<long long>(max_body_bytes_) && !stream.broken() &&
        stream.response_status() < 400 && drain(stream, seen.content_length))
      seen.has_body = false;
    if (!ok || client_closes || last || must_close(stream, seen)) return;
  }
}

void BoundedServer::refuse(int sock, std::string_view why) {
  refused_.fetch_add(1, std::memory_order_relaxed);
  const std::string body =
      HttpResponse::error(503, std::string(reason_phrase(503)) + ": " + std::string(why)).body;
  const std::string response =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body;
  // A fresh socket's send buffer is empty: this never blocks.
  ::send(sock, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(sock, SHUT_WR);
  pollfd p{sock, POLLIN, 0};
  ::poll(&p, 1, static_cast<int>(kRefuseLinger.count()));
  std::array<char, 4096> sink{};
  for (std::size_t drained = 0; drained < kRefuseDrainBytes;) {
    const ssize_t n = ::recv(sock, sink.data(), sink.size(), MSG_DONTWAIT);
    if (n <= 0) break;  // drained, closed by the client, or failed
    drained += static_cast<std::size_t>(n);
  }
  log_.debug("http: refused a connection: {}", why);
}

void BoundedServer::warn_refusing(std::string_view why) {
  const auto now = Clock::now();
  if (now - last_refusal_warning_ < kRefusalWarningEvery) return;
  last_refusal_warning_ = now;
  const HttpServerStats s = stats();
  log_.warn("http: refusing connections ({}): {} open, {} queued, {} refused so far", why,
            s.open_connections, s.queued_connections, s.refused_connections);
}

}  // namespace nmtd::http
