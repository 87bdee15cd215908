#pragma once
// One client connection as cpp-httplib's Stream, for one request whose head has already been
// read (head_reader.h), with the limits the library does not have: a byte bound per request
// (0.11.4 reads chunked bodies without one), a deadline for the whole request (its read timeout
// is per read, so a client sending a byte every few seconds could hold a thread for ever), and
// waits that end as soon as the server stops. It also notes the status line of each response it
// carries and whether it said Connection: close, so the connection loop can log it and keep or
// close the connection as the client was told.
#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "front/http/chunked_framing.h"

namespace nmtd::http {

struct StreamLimits {
  std::chrono::milliseconds read_timeout{5000};
  std::chrono::milliseconds write_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
  std::size_t max_request_bytes = 1 << 20;  // line, headers and body
};

class SocketStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  // Does not own `sock`. Reads `received` (bytes already read from the socket) first.
  // `stopping` is polled while waiting to read.
  SocketStream(int sock, const StreamLimits& limits, std::function<bool()> stopping,
               std::string received);

  // Starts the per-request byte count and deadline. `head_bytes`, `chunked`: where the request's
  // body starts and whether it is chunked, whose framing is then checked as httplib reads it: a
  // read that would hand it a byte breaking the grammar fails instead (chunked_framing.h).
  void begin_request(std::size_t head_bytes = 0, bool chunked = false);
  // The final status of the response written since begin_request(); 0 when none was written.
  int response_status() const { return status_; }
  // Whether that response told the client the connection closes after it.
  bool response_closes() const { return response_closes_; }
  // The bytes read from the socket and not handed to the parser: the next request's start.
  std::string take_unread();
  // Bytes of this request handed to the parser so far.
  std::size_t request_bytes() const { return request_bytes_; }
  // A read failed, timed out, hit the byte bound or saw the end: nothing more can be served.
  bool broken() const { return broken_; }

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return sock_; }

 private:
  enum class Wait { kReady, kTimeout, kStopped, kError };
  // poll() in short slices until `events`, the deadline or a stop (when `stop_aware`).
  Wait wait(short events, Clock::time_point deadline, bool stop_aware) const;
  Clock::time_point read_deadline() const;
  void note_status(const char* ptr, size_t size);

  const int sock_;
  const StreamLimits limits_;
  const std::function<bool()> stopping_;
  std::string buffer_;  // httplib reads request lines a byte at a time
  std::size_t begin_ = 0;
  std::size_t request_bytes_ = 0;
  std::size_t body_start_ = 0;             // in request bytes
  std::optional<ChunkedFraming> chunked_;  // a chunked body's framing, while it is read
  Clock::time_point request_deadline_ = Clock::time_point::max();
  int status_ = 0;
  bool awaiting_status_ = false;
  bool response_closes_ = false;
  bool broken_ = false;
};

}  // namespace nmtd::http
