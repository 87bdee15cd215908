#pragma once
// A plain TCP connection for the chaos probes that must misbehave below gRPC and HTTP: garbage
// bytes, half-sent requests, clients that stop reading.
#include <chrono>
#include <optional>
#include <string>

namespace nmtd::soak {

struct HostPort {
  std::string host;
  int port = 0;
};

// "127.0.0.1:50051", "[::1]:50051", "localhost:50051"; nullopt when malformed.
std::optional<HostPort> parse_host_port(const std::string& text);

class RawConnection {
 public:
  // Throws IoError naming the address when the connection cannot be made within `timeout`.
  RawConnection(const HostPort& to, std::chrono::milliseconds timeout);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False when the peer has closed or reset the connection.
  bool send(const std::string& bytes);
  // What arrives within `timeout` until the peer closes (or `max_bytes` are read).
  std::string receive(std::chrono::milliseconds timeout, std::size_t max_bytes = 65536);
  // True when the peer closed the connection within `timeout` (reading and discarding).
  bool closed_by_peer(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
};

}  // namespace nmtd::soak
