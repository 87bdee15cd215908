#include "worker/engine_activity.h"

#include <algorithm>
#include <map>

namespace nmtd::worker {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

}  // namespace

void EngineActivity::begin(std::vector<std::string> request_ids) {
  {
    std::lock_guard lock(mutex_);
    request_ids_ = std::move(request_ids);
  }
  started_ns_.store(now_ns(), std::memory_order_release);
}

void EngineActivity::set_request_ids(std::vector<std::string> request_ids) {
  std::lock_guard lock(mutex_);
  request_ids_ = std::move(request_ids);
}

void EngineActivity::end() {
  started_ns_.store(0, std::memory_order_release);
  std::lock_guard lock(mutex_);
  request_ids_.clear();
}

std::chrono::milliseconds EngineActivity::running_for() const {
  const int64_t started = started_ns_.load(std::memory_order_acquire);
  if (started == 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds((now_ns() - started) / 1'000'000);
}

std::chrono::milliseconds EngineActivity::without_progress() const {
  const int64_t started = started_ns_.load(std::memory_order_acquire);
  if (started == 0) return std::chrono::milliseconds(0);
  const int64_t progressed = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 progress_.last_progress().time_since_epoch())
                                 .count();
  return std::chrono::milliseconds((now_ns() - std::max(started, progressed)) / 1'000'000);
}

std::vector<std::string> EngineActivity::request_ids() const {
  std::lock_guard lock(mutex_);
  return request_ids_;
}

void fail_dead_jobs(std::vector<TextJob>& dead, WorkerStats& stats) {
  const auto now = Clock::now();
  // One verdict per call, taken before failing it: once failed, a call's client context may be
  // gone, so its other texts are counted by the same verdict instead of asking again.
  enum class Verdict { kNone, kExpired, kCancelled };
  std::map<const PendingCall*, Verdict> verdicts;
  for (auto& job : dead) {
    auto [it, first] = verdicts.try_emplace(job.call.get(), Verdict::kNone);
    if (first) {
      // Expired first: when a deadline passes gRPC also marks the call cancelled. A call that
      // already completed (failed through another of its texts) has nothing to count.
      if (job.call->done()) {
        it->second = Verdict::kNone;
      } else if (job.call->expired(now)) {
        it->second = Verdict::kExpired;
      } else if (job.call->cancelled()) {
        it->second = Verdict::kCancelled;
      }
    }
    if (it->second == Verdict::kExpired) {
      ++stats.texts_expired;
      job.call->fail(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                  "the deadline passed before the request could be answered"));
    } else if (it->second == Verdict::kCancelled) {
      ++stats.texts_cancelled;
      job.call->fail(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
    }
  }
}

bool is_dead(const TextJob& job, Clock::time_point now) {
  return job.call->done() || job.call->expired(now) || job.call->cancelled();
}

}  // namespace nmtd::worker
