#pragma once
// cpp-httplib's TaskQueue with a bound. The library's own ThreadPool (0.11.4) queues every
// accepted socket in an unbounded std::list: under a flood, or with every thread held by slow
// clients, it would hold open file descriptors and memory without limit. This pool has fixed
// threads and at most `max_queued` connections waiting beyond the free threads.
//
// httplib hands over each connection as an opaque closure (the socket is captured inside it) and,
// in this version, enqueue() cannot say no. So when the pool is full it runs the closure on the
// caller's thread, which is the server's accept thread: BoundedServer::process_and_close_socket
// recognises that thread and answers 503 and closes the socket there, instead of serving it. No
// socket is ever dropped without being closed, and the accept thread spends at most a few
// milliseconds on it.
#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nmtd::http {

class ConnectionPool final : public httplib::TaskQueue {
 public:
  // `queued` is kept equal to the connections waiting for a thread (not counting those an idle
  // thread is about to take); it lives in the server, which outlives any one pool.
  ConnectionPool(std::size_t threads, std::size_t max_queued, std::atomic<std::int64_t>& queued);
  ~ConnectionPool() override;
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // Queues the connection, or runs it on the calling thread when the pool is full (see above).
  void enqueue(std::function<void()> fn) override;
  // Lets the threads finish every queued connection (a stopping server closes them at once),
  // then joins them. Idempotent.
  void shutdown() override;

 private:
  void work();
  void publish_queued();  // under mutex_

  const std::size_t thread_count_;
  const std::size_t max_queued_;
  std::atomic<std::int64_t>& queued_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  std::size_t busy_ = 0;  // threads serving a connection
  bool stopping_ = false;
  std::vector<std::jthread> threads_;  // last: started once everything above exists
};

}  // namespace nmtd::http
