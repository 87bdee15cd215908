#pragma once
// An accepted client connection, owned by whichever part of the server holds it (the head
// reader while a request head arrives, a lane thread while a request is served), and the
// bound on how many connections may be open at once, in all and per client address.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace nmtd::http {

class ConnectionLimits;

// Holds one of ConnectionLimits' places until destroyed.
class ConnectionSlot {
 public:
  ConnectionSlot(ConnectionLimits& limits, std::string address)
      : limits_(&limits), address_(std::move(address)) {}
  ~ConnectionSlot();
  ConnectionSlot(ConnectionSlot&& other) noexcept
      : limits_(std::exchange(other.limits_, nullptr)), address_(std::move(other.address_)) {}
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(ConnectionSlot&&) = delete;

 private:
  ConnectionLimits* limits_;
  std::string address_;
};

class ConnectionLimits {
 public:
  enum class Refusal { kTotal, kAddress };

  ConnectionLimits(std::size_t max_total, std::size_t max_per_address)
      : max_total_(max_total), max_per_address_(max_per_address) {}

  // A place for one more connection from `address`, or why there is none.
  std::optional<Refusal> try_admit(const std::string& address);
  void release(const std::string& address);
  std::int64_t open() const { return total_.load(std::memory_order_relaxed); }

 private:
  const std::size_t max_total_;
  const std::size_t max_per_address_;
  std::mutex mutex_;
  std::map<std::string, std::size_t, std::less<>> per_address_;
  std::atomic<std::int64_t> total_{0};
};

class Connection {
 public:
  Connection(int fd, ConnectionSlot slot) : fd_(fd), slot_(std::move(slot)) {}
  ~Connection();  // shuts the socket down and closes it
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  // Bytes read from the socket and not used yet: the next request's start.
  std::string pending;
  std::size_t requests_served = 0;

 private:
  int fd_;
  ConnectionSlot slot_;
};

using ConnectionPtr = std::unique_ptr<Connection>;

// The client's address as text ("127.0.0.1", "::1"); "" when the socket has none.
std::string peer_address(int fd);

}  // namespace nmtd::http
