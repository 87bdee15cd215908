#include "worker/admission_queue.h"

#include <algorithm>

namespace nmtd::worker {

bool AdmissionQueue::is_dead(const TextJob& job, Clock::time_point now) {
  return job.call->done() || job.call->expired(now) || job.call->cancelled();
}

void AdmissionQueue::remove_dead_locked(std::vector<TextJob>& dead, Clock::time_point now) {
  std::deque<TextJob> live;
  for (auto& job : jobs_) {
    if (is_dead(job, now)) {
      dead.push_back(std::move(job));
    } else {
      live.push_back(std::move(job));
    }
  }
  jobs_.swap(live);
  recount_work_locked();
}

// Summed afresh, not decremented: no rounding drift over millions of texts.
void AdmissionQueue::recount_work_locked() {
  queued_work_ = 0;
  for (const auto& job : jobs_) queued_work_ += job.work;
}

AdmissionQueue::PushResult AdmissionQueue::push(std::vector<TextJob>& jobs,
                                                std::vector<TextJob>& dead) {
  {
    std::lock_guard lock(mutex_);
    if (closed_) return PushResult::kClosed;
    const auto needed = static_cast<int>(jobs.size());
    if (static_cast<int>(jobs_.size()) + needed > capacity_) {
      remove_dead_locked(dead, Clock::now());
      if (static_cast<int>(jobs_.size()) + needed > capacity_) return PushResult::kFull;
    }
    for (auto& job : jobs) {
      queued_work_ += job.work;
      jobs_.push_back(std::move(job));
    }
    jobs.clear();
  }
  ready_.notify_one();
  return PushResult::kQueued;
}

std::optional<AdmissionQueue::Taken> AdmissionQueue::take(const Batching& batching,
                                                          std::stop_token stop) {
  std::unique_lock lock(mutex_);
  if (!ready_.wait(lock, stop, [&] { return !jobs_.empty() || closed_; })) return std::nullopt;
  if (jobs_.empty()) return std::nullopt;  // closed and drained
  // The batching window: a lone text waits at most max_wait for company.
  const auto window_end = jobs_.front().enqueued + batching.max_wait;
  ready_.wait_until(lock, stop, window_end, [&] {
    return closed_ || static_cast<int>(jobs_.size()) >= batching.max_batch_texts;
  });

  Taken taken;
  remove_dead_locked(taken.dead, Clock::now());
  if (jobs_.empty()) return taken;
  // Oldest first decides the batch key, so no key starves; then FIFO within the key.
  const std::string key = jobs_.front().batch_key;
  int tokens = 0;
  std::deque<TextJob> rest;
  for (auto& job : jobs_) {
    const bool fits = job.batch_key == key &&
                      static_cast<int>(taken.batch.size()) < batching.max_batch_texts &&
                      (taken.batch.empty() || tokens + job.tokens() <= batching.max_batch_tokens);
    if (fits) {
      tokens += job.tokens();
      taken.batch.push_back(std::move(job));
    } else {
      rest.push_back(std::move(job));
    }
  }
  jobs_.swap(rest);
  recount_work_locked();
  return taken;
}

AdmissionQueue::Taken AdmissionQueue::take_joining(
    const std::function<bool(const TextJob&)>& joins, int max_texts, int max_tokens,
    const std::function<int64_t(const TextJob&)>& rows_of, int64_t max_rows) {
  Taken taken;
  std::lock_guard lock(mutex_);
  if (jobs_.empty() || max_texts <= 0) return taken;
  remove_dead_locked(taken.dead, Clock::now());
  if (jobs_.empty() || !joins(jobs_.front())) return taken;
  int tokens = 0;
  int64_t rows = 0;
  std::deque<TextJob> rest;
  for (auto& job : jobs_) {
    const int64_t job_rows = rows_of ? rows_of(job) : 0;
    const bool fits = static_cast<int>(taken.batch.size()) < max_texts &&
                      tokens + job.tokens() <= max_tokens &&
                      (!rows_of || rows + job_rows <= max_rows) && joins(job);
    if (fits) {
      tokens += job.tokens();
      rows += job_rows;
      taken.batch.push_back(std::move(job));
    } else {
      rest.push_back(std::move(job));
    }
  }
  jobs_.swap(rest);
  recount_work_locked();
  return taken;
}

void AdmissionQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

std::vector<TextJob> AdmissionQueue::close_and_take_all() {
  std::vector<TextJob> all;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    for (auto& job : jobs_) all.push_back(std::move(job));
    jobs_.clear();
    queued_work_ = 0;
  }
  ready_.notify_all();
  return all;
}

double AdmissionQueue::queued_work() const {
  std::lock_guard lock(mutex_);
  return queued_work_;
}

int AdmissionQueue::depth() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(jobs_.size());
}

}  // namespace nmtd::worker
