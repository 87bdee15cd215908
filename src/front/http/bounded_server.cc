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
#include "front/http/head_reader.h"
#include "front/http/loggable.h"

namespace nmtd::http {
namespace {

using Clock = std::chrono::steady_clock;

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

// httplib's accept loop hands each accepted socket to its TaskQueue: this one runs
// BoundedServer::process_and_close_socket on the accept thread, which passes the socket on to
// the head reader (or refuses it) at once. Its shutdown, at the end of listening, stops the
// lanes.
class AcceptQueue final : public httplib::TaskQueue {
 public:
  explicit AcceptQueue(std::function<void()> on_shutdown) : on_shutdown_(std::move(on_shutdown)) {}
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {
    if (on_shutdown_) std::exchange(on_shutdown_, nullptr)();
  }

 private:
  std::function<void()> on_shutdown_;
};

std::int64_t ticks(Clock::time_point t) { return t.time_since_epoch().count(); }

}  // namespace

// The reader comes first: the lanes' threads hand kept-alive connections back to it, so it
// must outlive them (stop_lanes() stops it first, which makes it close what it is handed).
struct BoundedServer::Lanes {
  Lanes(BoundedServer& server, const HttpServerConfig& c)
      : reader(
            {c.header_timeout, c.idle_timeout, c.max_header_bytes},
            [&server](ConnectionPtr& connection, RequestHead&& head) {
              return server.dispatch(connection, std::move(head));
            },
            server.log_),
        requests(
            static_cast<std::size_t>(c.threads), c.max_pending_connections,
            [&server](ConnectionPtr connection, RequestHead head) {
              server.serve(std::move(connection), std::move(head));
            },
            server.queued_),
        control(
            static_cast<std::size_t>(c.control_threads), c.max_pending_control,
            [&server](ConnectionPtr connection, RequestHead head) {
              server.serve(std::move(connection), std::move(head));
            },
            server.control_queued_) {
    reader.start();
  }

  HeadReader reader;
  ConnectionPool requests;
  ConnectionPool control;
};

BoundedServer::BoundedServer(const HttpServerConfig& config, Logger& log)
    : log_(log),
      config_(config),
      limits_{config.read_timeout, config.write_timeout, config.request_timeout,
              config.max_body_bytes + config.max_header_bytes},
      connection_limits_(config.max_connections, config.max_connections_per_address) {
  // httplib takes ownership of the queue it gets from this factory (a unique_ptr in
  // listen_internal), hence the release().
  new_task_queue = [this] {
    start_lanes();
    return std::make_unique<AcceptQueue>([this] { stop_lanes(); }).release();
  };
  // Replaces httplib's default, which sets SO_REUSEPORT: with it a second server could bind the
  // same port and silently share its traffic. SO_REUSEADDR only lets a restarted front bind
  // while old connections linger in TIME_WAIT; a port another socket listens on still fails.
  set_socket_options([](int sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    set_cloexec(sock);
  });
  // An answer that closes the connection says only that: httplib adds Keep-Alive unless it
  // was told to close, and a handler's own Connection: close would then come with it.
  set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
    bool closes = false;
    const auto [from, to] = res.headers.equal_range("Connection");
    for (auto it = from; it != to; ++it) closes |= it->second == "close";
    if (!closes) return;
    res.headers.erase("Connection");
    res.headers.erase("Keep-Alive");
    res.headers.emplace("Connection", "close");
  });
  set_payload_max_length(config.max_body_bytes);
  set_keep_alive_max_count(config.max_requests_per_connection);
  set_keep_alive_timeout(std::max<time_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(config.idle_timeout).count()));
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
  s.open_connections = connection_limits_.open();
  s.queued_connections = queued_.load(std::memory_order_relaxed);
  return s;
}

void BoundedServer::start_lanes() { lanes_ = std::make_unique<Lanes>(*this, config_); }

void BoundedServer::stop_lanes() {
  if (!lanes_) return;
  lanes_->reader.stop();
  lanes_->control.shutdown();
  lanes_->requests.shutdown();
  lanes_.reset();
}

bool BoundedServer::process_and_close_socket(int sock) {
  set_cloexec(sock);
  // Responses go out as a header write and a body write: without this, Nagle's algorithm and
  // the client's delayed ACK hold every keep-alive response back by some 40 ms.
  int yes = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
  try {
    const std::string address = peer_address(sock);
    std::optional<ConnectionLimits::Refusal> refusal;
    if (!stopping()) refusal = connection_limits_.try_admit(address);
    if (stopping() || refusal) {
      const SocketCloser closer(sock);
      if (stopping()) {
        refuse(sock, 503, "the server is stopping");
      } else if (*refusal == ConnectionLimits::Refusal::kTotal) {
        refuse(sock, 503, "too many connections");
        warn_refusing("too many connections", last_accept_warning_);
      } else {
        refuse(sock, 429, "too many connections from " + address);
        warn_refusing("too many connections from one address", last_accept_warning_);
      }
      return true;
    }
    ConnectionSlot slot(connection_limits_, address);
    lanes_->reader.add(std::make_unique<Connection>(sock, std::move(slot)), true);
  } catch (const std::exception& e) {
    log_.error("http: connection failed: {}", e.what());
  }
  return true;
}

std::optional<HeadError> BoundedServer::dispatch(ConnectionPtr& connection, RequestHead&& head) {
  if (stopping()) return HeadError{503, "Service Unavailable: the server is stopping"};
  const bool control = !head.has_body() && is_control_ && is_control_(head.method, head.path());
  ConnectionPool& lane = control ? lanes_->control : lanes_->requests;
  if (lane.try_push(connection, head)) return std::nullopt;
  refused_.fetch_add(1, std::memory_order_relaxed);
  warn_refusing("every thread is busy", last_dispatch_warning_);
  return HeadError{503, "Service Unavailable: the server is busy"};
}

void BoundedServer::serve(ConnectionPtr connection, RequestHead head) {
  try {
    if (stopping()) {
      refuse(connection->fd(), 503, "the server is stopping");
      return;
    }
    SocketStream stream(
        connection->fd(), limits_, [this] { return stopping(); }, std::move(connection->pending));
    stream.begin_request(head.size, head.framing == RequestHead::Framing::kChunked);
    const auto start = Clock::now();
    const bool last =
        ++connection->requests_served >= config_.max_requests_per_connection || stopping();
    // Where a chunked body ends only its parser knows, and a body over the bound is not read:
    // after either the connection cannot carry another request.
    const bool close_after = last || head.client_closes ||
                             head.framing == RequestHead::Framing::kChunked ||
                             head.content_length > config_.max_body_bytes;
    bool client_closes = false;
    std::string method = "-";
    std::string path = "-";
    const bool ok = process_request(stream, close_after, client_closes, [&](httplib::Request& req) {
      method = req.method;
      path = req.path;
      req.headers.erase(kConnectionMark);
      req.set_header(kConnectionMark, std::to_string(connection->fd()));
    });
    if (const int status = stream.response_status(); status != 0) {
      requests_.fetch_add(1, std::memory_order_relaxed);
      const std::chrono::duration<double, std::milli> took = Clock::now() - start;
      log_.debug("http: {} {} -> {} in {:.1f} ms", loggable(method), loggable(path), status,
                 took.count());
    }
    if (!ok || close_after || client_closes || stream.broken() || stream.response_closes()) return;
    // A body the answer did not need (an error before it was read, a GET's body): read it away
    // so that the connection can carry the next request.
    const std::uint64_t end = head.size + head.content_length;
    if (stream.request_bytes() < end &&
        !drain(stream, static_cast<long long>(end - stream.request_bytes()))) {
      return;
    }
    connection->pending = stream.take_unread();
    lanes_->reader.add(std::move(connection), false);
  } catch (const std::exception& e) {
    log_.error("http: connection failed: {}", e.what());
  } catch (...) {
    log_.error("http: connection failed with an unknown exception");
  }
}

std::function<bool()> BoundedServer::hang_up_probe(const httplib::Request& req) {
  const auto it = req.headers.find(kConnectionMark);
  if (it == req.headers.end()) return {};
  int fd = -1;
  const auto& text = it->second;
  if (std::from_chars(text.data(), text.data() + text.size(), fd).ec != std::errc() || fd < 0)
    return {};
  return [fd] {
    // The end of what the client sends (it closed, or shut its side down), or a reset: no
    // answer will be read. Unread bytes (a pipelined request) are no hang-up.
    pollfd p{fd, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  };
}

void BoundedServer::refuse(int sock, int status, std::string_view why) {
  refused_.fetch_add(1, std::memory_order_relaxed);
  const std::string reason(reason_phrase(status));
  const std::string body = HttpResponse::error(status, reason + ": " + std::string(why)).body;
  const std::string response =
      "HTTP/1.1 " + std::to_string(status) + " " + reason +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nRetry-After: 1\r\nConnection: close\r\n\r\n" + body;
  // A fresh socket's send buffer is empty (and a kept-alive one's holds at most an answer the
  // client has not read yet): this does not block.
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

void BoundedServer::warn_refusing(std::string_view why, std::atomic<std::int64_t>& last_warning) {
  const auto now = Clock::now();
  std::int64_t last = last_warning.load(std::memory_order_relaxed);
  if (now.time_since_epoch().count() - last <
          std::chrono::duration_cast<Clock::duration>(kRefusalWarningEvery).count() ||
      !last_warning.compare_exchange_strong(last, ticks(now))) {
    return;
  }
  const HttpServerStats s = stats();
  log_.warn("http: refusing connections ({}): {} open, {} queued, {} refused so far", why,
            s.open_connections, s.queued_connections, s.refused_connections);
}

}  // namespace nmtd::http
