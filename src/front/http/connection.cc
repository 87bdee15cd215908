#include "front/http/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>

namespace nmtd::http {

ConnectionSlot::~ConnectionSlot() {
  if (limits_ != nullptr) limits_->release(address_);
}

std::optional<ConnectionLimits::Refusal> ConnectionLimits::try_admit(const std::string& address) {
  std::lock_guard lock(mutex_);
  if (static_cast<std::size_t>(total_.load(std::memory_order_relaxed)) >= max_total_) {
    return Refusal::kTotal;
  }
  auto it = per_address_.try_emplace(address, 0).first;
  if (it->second >= max_per_address_) return Refusal::kAddress;
  ++it->second;
  total_.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

void ConnectionLimits::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  const auto it = per_address_.find(address);
  if (it == per_address_.end()) return;
  if (--it->second == 0) per_address_.erase(it);
  total_.fetch_sub(1, std::memory_order_relaxed);
}

Connection::~Connection() {
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
}

std::string peer_address(int fd) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "";
  std::array<char, INET6_ADDRSTRLEN> text{};
  if (addr.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, text.data(),
                text.size());
  } else if (addr.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, text.data(),
                text.size());
  }
  return text.data();
}

}  // namespace nmtd::http
