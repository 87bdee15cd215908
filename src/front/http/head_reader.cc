#include "front/http/head_reader.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.h"
#include "front/http/http_types.h"

namespace nmtd::http {
namespace {

// Deadlines are checked this often; a head may thus run this much past its deadline.
constexpr std::chrono::milliseconds kSweepEvery{50};
// After an error answer, how long the client's remaining bytes are read away before closing:
// closing with unread bytes makes the kernel send a reset, which can destroy the answer before
// the client reads it.
constexpr std::chrono::milliseconds kLinger{1000};
constexpr std::size_t kLingerDrainBytes = 256 << 10;
constexpr std::size_t kReadChunk = 16 << 10;

std::string error_response(const HeadError& error) {
  const std::string body = HttpResponse::error(error.status, error.message).body;
  return "HTTP/1.1 " + std::to_string(error.status) + " " +
         std::string(reason_phrase(error.status)) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace

HeadReader::HeadReader(Limits limits, Dispatch dispatch, Logger& log)
    : limits_(limits), dispatch_(std::move(dispatch)), log_(log) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    const int err = errno;
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
    throw IoError(std::string("http: cannot set up the head reader: ") + std::strerror(err));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

HeadReader::~HeadReader() {
  stop();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void HeadReader::start() {
  thread_ = std::jthread([this] { run(); });
}

void HeadReader::add(ConnectionPtr connection, bool fresh) {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;  // `connection` closes here
    arrivals_.emplace_back(std::move(connection), fresh);
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void HeadReader::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  entries_.clear();  // closes them, when the thread never ran
  std::lock_guard lock(mutex_);
  arrivals_.clear();
}

void HeadReader::run() {
  std::array<epoll_event, 128> events{};
  auto last_sweep = Clock::now();
  for (;;) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                               static_cast<int>(kSweepEvery.count()));
    if (n < 0 && errno != EINTR) {
      log_.error("http: the head reader failed: {}", std::strerror(errno));
      break;
    }
    {
      std::lock_guard lock(mutex_);
      if (stopped_) break;
    }
    for (int i = 0; i < n; ++i) {
      if (events[i].data.fd == wake_fd_) {
        std::uint64_t count = 0;
        [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &count, sizeof count);
        take_new_connections();
      } else {
        on_readable(events[i].data.fd);
      }
    }
    const auto now = Clock::now();
    if (now - last_sweep >= kSweepEvery) {
      expire(now);
      last_sweep = now;
    }
  }
  entries_.clear();
}

void HeadReader::take_new_connections() {
  std::vector<std::pair<ConnectionPtr, bool>> arrived;
  {
    std::lock_guard lock(mutex_);
    arrived.swap(arrivals_);
  }
  for (auto& [connection, fresh] : arrived) watch(std::move(connection), fresh);
}

void HeadReader::watch(ConnectionPtr connection, bool fresh) {
  const int fd = connection->fd();
  Entry& entry = entries_[fd];
  entry = Entry{};
  entry.connection = std::move(connection);
  entry.head_started = fresh;
  entry.deadline = Clock::now() + (fresh ? limits_.header_timeout : limits_.idle_timeout);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    log_.error("http: cannot watch a connection: {}", std::strerror(errno));
    entries_.erase(fd);
    return;
  }
  consider(fd, entry);  // a pipelined request may be here already
}

void HeadReader::on_readable(int fd) {
  const auto it = entries_.find(fd);
  if (it == entries_.end()) return;
  Entry& entry = it->second;
  std::array<char, kReadChunk> chunk;
  const ssize_t n = ::recv(fd, chunk.data(), chunk.size(), MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {  // the client closed, or the connection failed: nothing to answer
    forget(fd);
    return;
  }
  if (entry.closing) {
    entry.discarded += static_cast<std::size_t>(n);
    if (entry.discarded > kLingerDrainBytes) forget(fd);
    return;
  }
  entry.connection->pending.append(chunk.data(), static_cast<std::size_t>(n));
  consider(fd, entry);
}

bool HeadReader::consider(int fd, Entry& entry) {
  std::string& bytes = entry.connection->pending;
  // RFC 9112 2.2: empty lines before a request line are ignored (some clients send a CRLF
  // after a body).
  std::size_t skip = 0;
  while (skip + 1 < bytes.size() && bytes[skip] == '\r' && bytes[skip + 1] == '\n') skip += 2;
  bytes.erase(0, skip);
  if (bytes.empty()) return true;
  if (!entry.head_started) {
    entry.head_started = true;
    entry.deadline = Clock::now() + limits_.header_timeout;
  }
  const std::size_t end = head_end(bytes);
  if (end == std::string::npos || end > limits_.max_head_bytes) {
    if (end == std::string::npos && bytes.size() <= limits_.max_head_bytes) return true;
    answer_and_close(fd, entry,
                     {431, "Request Header Fields Too Large: the request head is over " +
                               std::to_string(limits_.max_head_bytes) + " bytes"});
    return true;
  }
  auto parsed = parse_request_head(std::string_view(bytes).substr(0, end));
  if (const auto* error = std::get_if<HeadError>(&parsed)) {
    answer_and_close(fd, entry, *error);
    return true;
  }
  // From here another thread may own the socket: it must leave epoll first.
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  auto refusal = dispatch_(entry.connection, std::get<RequestHead>(std::move(parsed)));
  if (!entry.connection) {
    entries_.erase(fd);
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.fd = fd;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  answer_and_close(fd, entry, refusal.value_or(HeadError{500, std::string(reason_phrase(500))}));
  return true;
}

void HeadReader::answer_and_close(int fd, Entry& entry, const HeadError& error) {
  const std::string response = error_response(error);
  // Heads are small and answers short: the socket's send buffer takes them whole.
  ::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(fd, SHUT_WR);
  entry.closing = true;
  entry.connection->pending.clear();
  entry.deadline = Clock::now() + kLinger;
  log_.debug("http: answered {} to a request head and closed the connection", error.status);
}

void HeadReader::expire(Clock::time_point now) {
  std::vector<int> expired;
  for (const auto& [fd, entry] : entries_) {
    if (entry.deadline <= now) expired.push_back(fd);
  }
  for (const int fd : expired) {
    Entry& entry = entries_.at(fd);
    if (entry.closing || entry.connection->pending.empty()) {
      forget(fd);  // an idle connection, or done lingering
    } else {
      answer_and_close(fd, entry,
                       {408, "Request Timeout: the request head did not arrive within " +
                                 std::to_string(limits_.header_timeout.count()) + " ms"});
    }
  }
}

void HeadReader::forget(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  entries_.erase(fd);
}

}  // namespace nmtd::http
