#include "worker/pending_call.h"

#include <algorithm>

namespace nmtd::worker {

PendingCall::PendingCall(std::string request_id, std::size_t texts, Clock::time_point deadline,
                         std::function<bool()> client_cancelled, Completion completion)
    : request_id_(std::move(request_id)),
      deadline_(deadline),
      client_cancelled_(std::move(client_cancelled)),
      completion_(std::move(completion)),
      remaining_(texts) {
  result_.results.resize(texts);
  result_.from_cache.resize(texts, false);
  result_.scores.resize(texts);
}

bool PendingCall::cancelled() const {
  // Under the lock: completion sets done_ under it before it finishes the RPC.
  std::lock_guard lock(mutex_);
  if (done_.load(std::memory_order_relaxed) || !client_cancelled_) return false;
  return client_cancelled_();
}

void PendingCall::set_result(std::size_t index, TranslationResult result, bool from_cache) {
  std::unique_lock lock(mutex_);
  if (done_.load(std::memory_order_relaxed) || index >= result_.results.size()) return;
  result_.results[index] = std::move(result);
  result_.from_cache[index] = from_cache;
  if (--remaining_ == 0) complete_locked(lock, grpc::Status::OK);
}

void PendingCall::set_score(std::size_t index, ScoringResult score) {
  std::unique_lock lock(mutex_);
  if (done_.load(std::memory_order_relaxed) || index >= result_.scores.size()) return;
  result_.scores[index] = std::move(score);
  if (--remaining_ == 0) complete_locked(lock, grpc::Status::OK);
}

void PendingCall::add_timing(Clock::time_point batch_start, std::chrono::microseconds compute) {
  std::lock_guard lock(mutex_);
  const auto waited =
      std::chrono::duration_cast<std::chrono::microseconds>(batch_start - admitted_).count();
  result_.queue_time_us = std::max<int64_t>(result_.queue_time_us, waited);
  result_.compute_time_us += compute.count();
}

void PendingCall::fail(grpc::Status status, std::chrono::milliseconds retry_after) {
  std::unique_lock lock(mutex_);
  if (done_.load(std::memory_order_relaxed)) return;
  result_.retry_after = retry_after;
  result_.results.clear();
  result_.from_cache.clear();
  result_.scores.clear();
  complete_locked(lock, std::move(status));
}

void PendingCall::complete_locked(std::unique_lock<std::mutex>& lock, grpc::Status status) {
  done_.store(true, std::memory_order_release);
  result_.status = std::move(status);
  CallResult out = std::move(result_);
  Completion completion = std::move(completion_);
  // The completion finishes an RPC and may re-enter (a stream reads its next message):
  // never under our lock.
  lock.unlock();
  if (completion) completion(std::move(out));
}

}  // namespace nmtd::worker
