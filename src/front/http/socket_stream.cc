#include "front/http/socket_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace nmtd::http {
namespace {

// Waits are cut into slices this long so that a stopping server is noticed promptly.
constexpr std::chrono::milliseconds kSlice{50};
// Reads from the socket are this large at most.
constexpr std::size_t kReadChunk = 4096;

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (addr.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(addr);
    ::inet_ntop(AF_INET, &a.sin_addr, text.data(), text.size());
    port = ntohs(a.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(addr);
    ::inet_ntop(AF_INET6, &a.sin6_addr, text.data(), text.size());
    port = ntohs(a.sin6_port);
  }
  ip = text.data();
}

}  // namespace

SocketStream::SocketStream(int sock, const StreamLimits& limits, std::function<bool()> stopping,
                           std::string received)
    : sock_(sock), limits_(limits), stopping_(std::move(stopping)), buffer_(std::move(received)) {}

SocketStream::Wait SocketStream::wait(short events, Clock::time_point deadline,
                                      bool stop_aware) const {
  for (;;) {
    if (stop_aware && stopping_()) return Wait::kStopped;
    const auto now = Clock::now();
    if (now >= deadline) return Wait::kTimeout;
    const auto slice = std::min<Clock::duration>(deadline - now, kSlice);
    pollfd p{sock_, events, 0};
    const int n = ::poll(
        &p, 1, static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(slice).count()));
    // Hang-ups and errors count as ready: the next recv/send reports them.
    if (n > 0) return Wait::kReady;
    if (n < 0 && errno != EINTR) return Wait::kError;
  }
}

void SocketStream::begin_request(std::size_t head_bytes, bool chunked) {
  request_bytes_ = 0;
  body_start_ = head_bytes;
  chunked_.reset();
  if (chunked) chunked_.emplace();
  request_deadline_ = Clock::now() + limits_.request_timeout;
  status_ = 0;
  awaiting_status_ = true;
  response_closes_ = false;
}

std::string SocketStream::take_unread() {
  std::string rest = buffer_.substr(begin_);
  buffer_.clear();
  begin_ = 0;
  return rest;
}

SocketStream::Clock::time_point SocketStream::read_deadline() const {
  return std::min(Clock::now() + limits_.read_timeout, request_deadline_);
}

bool SocketStream::is_readable() const {
  if (broken_) return false;
  return begin_ < buffer_.size() || wait(POLLIN, read_deadline(), true) == Wait::kReady;
}

bool SocketStream::is_writable() const {
  return wait(POLLOUT, Clock::now() + limits_.write_timeout, false) == Wait::kReady;
}

ssize_t SocketStream::read(char* ptr, size_t size) {
  if (broken_) return -1;
  if (begin_ == buffer_.size()) {
    if (wait(POLLIN, read_deadline(), true) != Wait::kReady) {
      broken_ = true;  // too slow, or stopping: the rest of this request will not come
      return -1;
    }
    buffer_.resize(kReadChunk);
    ssize_t n;
    do {
      n = ::recv(sock_, buffer_.data(), buffer_.size(), 0);
    } while (n < 0 && errno == EINTR);
    buffer_.resize(static_cast<std::size_t>(std::max<ssize_t>(n, 0)));
    begin_ = 0;
    if (n <= 0) {
      broken_ = true;  // 0: the client closed its side
      return n;
    }
  }
  const std::size_t n = std::min(size, buffer_.size() - begin_);
  if (request_bytes_ + n > limits_.max_request_bytes) {
    broken_ = true;
    return -1;
  }
  if (chunked_ && request_bytes_ + n > body_start_) {
    const std::size_t head = request_bytes_ < body_start_ ? body_start_ - request_bytes_ : 0;
    if (!chunked_->feed(std::string_view(buffer_.data() + begin_ + head, n - head))) {
      broken_ = true;
      return -1;
    }
  }
  std::memcpy(ptr, buffer_.data() + begin_, n);
  begin_ += n;
  request_bytes_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t SocketStream::write(const char* ptr, size_t size) {
  note_status(ptr, size);
  // All or nothing: some of httplib's callers do not retry a short write.
  std::size_t done = 0;
  while (done < size) {
    if (wait(POLLOUT, Clock::now() + limits_.write_timeout, false) != Wait::kReady) return -1;
    const ssize_t n = ::send(sock_, ptr + done, size - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return -1;
    }
    done += static_cast<std::size_t>(n);
  }
  return static_cast<ssize_t>(size);
}

void SocketStream::note_status(const char* ptr, size_t size) {
  // httplib writes each status line and its headers in one write, starting "HTTP/1.1 NNN ".
  if (!awaiting_status_ || size < 12 || std::memcmp(ptr, "HTTP/1.", 7) != 0) return;
  const char* d = ptr + 9;
  if (d[0] < '0' || d[0] > '9' || d[1] < '0' || d[1] > '9' || d[2] < '0' || d[2] > '9') return;
  const int status = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
  if (status >= 200) {  // "100 Continue" comes before the final answer
    status_ = status;
    awaiting_status_ = false;
    // httplib writes the status line and every header in this one write; BoundedServer leaves
    // a closing answer with exactly this header.
    response_closes_ =
        std::string_view(ptr, size).find("\r\nConnection: close\r\n") != std::string_view::npos;
  }
}

void SocketStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    address_of(addr, ip, port);
  }
}

void SocketStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    address_of(addr, ip, port);
  }
}

}  // namespace nmtd::http
