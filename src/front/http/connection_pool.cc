#include "front/http/connection_pool.h"

#include <algorithm>

namespace nmtd::http {

ConnectionPool::ConnectionPool(std::size_t threads, std::size_t max_queued, Serve serve,
                               std::atomic<std::int64_t>& queued)
    : thread_count_(threads), max_queued_(max_queued), serve_(std::move(serve)), queued_(queued) {
  threads_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

ConnectionPool::~ConnectionPool() { shutdown(); }

void ConnectionPool::publish_queued() {
  const auto waiting =
      static_cast<std::int64_t>(jobs_.size()) - static_cast<std::int64_t>(thread_count_ - busy_);
  queued_.store(std::max<std::int64_t>(waiting, 0), std::memory_order_relaxed);
}

bool ConnectionPool::try_push(ConnectionPtr& connection, RequestHead& head) {
  std::lock_guard lock(mutex_);
  // Each thread not serving a request takes one at once (even one still starting up or just
  // done with its last), so those do not count against the bound.
  if (stopping_ || jobs_.size() >= (thread_count_ - busy_) + max_queued_) return false;
  jobs_.emplace_back(std::move(connection), std::move(head));
  publish_queued();
  wake_.notify_one();
  return true;
}

void ConnectionPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and nothing left to answer
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    ++busy_;
    publish_queued();
    lock.unlock();
    serve_(std::move(job.first), std::move(job.second));  // never throws
    lock.lock();
    --busy_;
    publish_queued();
  }
}

void ConnectionPool::shutdown() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  threads_.clear();  // joins; queued requests are answered by the threads first
  queued_.store(0, std::memory_order_relaxed);
}

}  // namespace nmtd::http
