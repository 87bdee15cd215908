#pragma once
// Threads that serve requests whose head has arrived (head_reader.h), with a bound: at most
// `max_queued` requests wait beyond the free threads; try_push() refuses the rest, and the
// caller answers them 503. A thread is held only while a request is read and answered.
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "front/http/connection.h"
#include "front/http/request_head.h"

namespace nmtd::http {

class ConnectionPool {
 public:
  using Serve = std::function<void(ConnectionPtr, RequestHead)>;

  // `queued` is kept equal to the requests waiting for a thread (not counting those an idle
  // thread is about to take); it lives in the server, which outlives any one pool.
  ConnectionPool(std::size_t threads, std::size_t max_queued, Serve serve,
                 std::atomic<std::int64_t>& queued);
  ~ConnectionPool();  // shutdown()
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Takes the connection (moves it out) and true, or leaves it and false when full or stopping.
  bool try_push(ConnectionPtr& connection, RequestHead& head);
  // Lets the threads serve every queued request (a stopping server answers them 503 at once),
  // then joins them. Idempotent.
  void shutdown();

 private:
  void work();
  void publish_queued();  // under mutex_

  const std::size_t thread_count_;
  const std::size_t max_queued_;
  const Serve serve_;
  std::atomic<std::int64_t>& queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::pair<ConnectionPtr, RequestHead>> jobs_;
  std::size_t busy_ = 0;  // threads serving a request
  bool stopping_ = false;
  std::vector<std::jthread> threads_;  // last: started once everything above exists
};

}  // namespace nmtd::http
