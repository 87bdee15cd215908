#include "unit/front/http/http_test_support.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <filesystem>

namespace nmtd::http::testing {

void CaptureSink::sink_it_(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t formatted;
  formatter_->format(msg, formatted);
  text_.append(formatted.data(), formatted.size());
}

CapturedLog::CapturedLog()
    : sink(std::make_shared<CaptureSink>()), logger(std::make_shared<Logger>("http-test", sink)) {
  logger->set_level(spdlog::level::debug);
}

RawConnection::RawConnection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  EXPECT_GE(fd_, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0)
      << "connect to 127.0.0.1:" << port;
}

RawConnection::~RawConnection() { close(); }

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawConnection::send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string RawConnection::read_until_close(std::chrono::milliseconds timeout) {
  std::string out;
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::array<char, 4096> buf{};
  while (!peer_closed_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
    if (n <= 0) {
      peer_closed_ = true;  // EOF or reset
      break;
    }
    out.append(buf.data(), static_cast<std::size_t>(n));
  }
  return out;
}

bool RawConnection::closed_by_server(std::chrono::milliseconds timeout) {
  read_until_close(timeout);
  return peer_closed_;
}

bool RawConnection::receive(std::chrono::steady_clock::time_point until) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      until - std::chrono::steady_clock::now());
  if (left.count() <= 0 || peer_closed_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  std::array<char, 4096> buf{};
  const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
  if (n <= 0) {
    peer_closed_ = true;
    return false;
  }
  received_.append(buf.data(), static_cast<std::size_t>(n));
  return true;
}

std::string RawConnection::read_response(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  std::size_t head_end = std::string::npos;
  while ((head_end = received_.find("\r\n\r\n")) == std::string::npos) {
    if (!receive(until)) return "";
  }
  head_end += 4;
  std::size_t length = 0;
  const std::string head = received_.substr(0, head_end);
  if (const auto at = head.find("Content-Length: "); at != std::string::npos) {
    length = std::stoul(head.substr(at + 16));
  }
  while (received_.size() < head_end + length) {
    if (!receive(until)) return "";
  }
  std::string response = received_.substr(0, head_end + length);
  received_.erase(0, head_end + length);
  return response;
}

int open_fds() {
  int n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n - 1;  // the iterator's own descriptor
}

bool ensure_fd_limit(int n) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur >= static_cast<rlim_t>(n)) return true;
  if (limit.rlim_max < static_cast<rlim_t>(n)) return false;
  limit.rlim_cur = static_cast<rlim_t>(n);
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

}  // namespace nmtd::http::testing
