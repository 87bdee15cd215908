#pragma once
// Reads request heads for every open connection on one thread (epoll), so that no serving
// thread waits for a client: a connection gets a thread only once its whole head is here and
// has passed parse_request_head(). Slow clients (a header byte a second), idle keep-alive
// connections and silent ones cost a descriptor and a few bytes each, never a thread, and every
// head has a total deadline however slowly it trickles:
//   * a new connection: its head within header_timeout of being accepted;
//   * a kept-alive one: its next request may start within idle_timeout, then its head within
//     header_timeout;
// past it: 408 and the connection is closed (silently when nothing had arrived). A head over
// max_head_bytes gets 431, one that breaks the rules its HeadError; each with Connection: close.
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/log/log.h"
#include "front/http/connection.h"
#include "front/http/request_head.h"

namespace nmtd::http {

class HeadReader {
 public:
  using Clock = std::chrono::steady_clock;

  struct Limits {
    std::chrono::milliseconds header_timeout{10000};
    std::chrono::milliseconds idle_timeout{5000};
    std::size_t max_head_bytes = 64 << 10;
  };
  // Called on the reader's thread with a connection whose `pending` starts with `head`. Takes
  // the connection (moves it out) and returns nullopt, or leaves it and returns the answer to
  // close it with.
  using Dispatch = std::function<std::optional<HeadError>(ConnectionPtr&, RequestHead&&)>;

  HeadReader(Limits limits, Dispatch dispatch, Logger& log);
  ~HeadReader();  // stop()
  HeadReader(const HeadReader&) = delete;
  HeadReader& operator=(const HeadReader&) = delete;

  void start();
  // From any thread. `fresh`: just accepted (else kept alive after a response). After stop(),
  // the connection is closed at once.
  void add(ConnectionPtr connection, bool fresh);
  // Closes every connection it holds and joins its thread. Idempotent.
  void stop();

 private:
  struct Entry {
    ConnectionPtr connection;
    Clock::time_point deadline;
    bool head_started = false;  // the deadline is the head's, no longer the idle wait's
    bool closing = false;       // answered; reading away what the client still sends
    std::size_t discarded = 0;
  };

  void run();
  void take_new_connections();
  void watch(ConnectionPtr connection, bool fresh);
  void on_readable(int fd);
  // Looks for a complete head in the entry's bytes and acts on it. False when the entry is gone.
  bool consider(int fd, Entry& entry);
  void answer_and_close(int fd, Entry& entry, const HeadError& error);
  void expire(Clock::time_point now);
  void forget(int fd);

  const Limits limits_;
  const Dispatch dispatch_;
  Logger& log_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::mutex mutex_;
  std::vector<std::pair<ConnectionPtr, bool>> arrivals_;  // under mutex_
  bool stopped_ = false;                                  // under mutex_
  std::unordered_map<int, Entry> entries_;                // the reader thread's only
  std::jthread thread_;
};

}  // namespace nmtd::http
