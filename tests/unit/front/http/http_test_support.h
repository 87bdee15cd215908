#pragma once
// Helpers for the HTTP server tests: a logger whose lines the test can read, a raw TCP client
// for what httplib::Client will not do (idle, slow or malformed requests), and a count of this
// process' open file descriptors for leak checks.
#include <spdlog/sinks/base_sink.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/log/log.h"

namespace nmtd::http::testing {

class CaptureSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override {}

 private:
  std::string text_;
};

// A debug-level logger writing into a CaptureSink.
struct CapturedLog {
  CapturedLog();
  std::string text() { return sink->text(); }
  std::shared_ptr<CaptureSink> sink;
  std::shared_ptr<Logger> logger;
};

class RawConnection {
 public:
  explicit RawConnection(int port);  // connects to 127.0.0.1:port; the test fails if it cannot
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool send(std::string_view bytes);
  // Everything received until the server closes the connection or `timeout` passes.
  std::string read_until_close(std::chrono::milliseconds timeout);
  // Whether the server closed (EOF or reset) within `timeout`, reading away what it sent.
  bool closed_by_server(std::chrono::milliseconds timeout);
  // One response (head and Content-Length body), leaving what follows for the next call; ""
  // when none came whole within `timeout`.
  std::string read_response(std::chrono::milliseconds timeout);
  void close();

 private:
  bool receive(std::chrono::steady_clock::time_point until);  // appends to received_

  int fd_ = -1;
  bool peer_closed_ = false;
  std::string received_;  // read by read_response() and not yet returned
};

// Entries in /proc/self/fd.
int open_fds();

// Raises this process' soft limit on descriptors to at least `n` (within the hard limit);
// false when it cannot.
bool ensure_fd_limit(int n);

}  // namespace nmtd::http::testing
