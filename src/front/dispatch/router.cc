#include "front/dispatch/router.h"

#include <algorithm>

namespace nmtd::front {

void Router::add(std::shared_ptr<WorkerEndpoint> worker) {
  std::vector<Held> resumed;
  {
    std::lock_guard lock(mutex_);
    worker->accepting = true;
    unloaded_ = false;
    // The pool is idle only from the moment it can serve: a slow start is no idle time.
    last_activity_ = std::max(last_activity_, Clock::now());
    if (std::find(workers_.begin(), workers_.end(), worker) == workers_.end())
      workers_.push_back(worker);
    resumed = take_all_locked();
  }
  // Outside the lock: a resumed call picks a worker, which locks again.
  for (auto& h : resumed) h.resume(worker);
}

void Router::remove(const WorkerEndpoint* worker) {
  std::lock_guard lock(mutex_);
  std::erase_if(workers_, [&](const auto& w) {
    if (w.get() != worker) return false;
    w->accepting = false;
    return true;
  });
}

void Router::suspect(const std::shared_ptr<WorkerEndpoint>& worker) {
  worker->suspect = true;
  remove(worker.get());
}

std::shared_ptr<WorkerEndpoint> Router::pick(const std::vector<const WorkerEndpoint*>& tried) {
  std::lock_guard lock(mutex_);
  last_activity_ = Clock::now();
  std::shared_ptr<WorkerEndpoint> best;
  bool best_tried = true;
  for (const auto& w : workers_) {
    if (!w->accepting) continue;
    const bool was_tried = std::find(tried.begin(), tried.end(), w.get()) != tried.end();
    const bool better = !best || (best_tried && !was_tried) ||
                        (best_tried == was_tried && w->outstanding < best->outstanding);
    if (better) {
      best = w;
      best_tried = was_tried;
    }
  }
  return best;
}

bool Router::hold(std::size_t texts, Clock::time_point deadline, Resume resume) {
  std::shared_ptr<WorkerEndpoint> ready_now;
  std::function<void()> wake;
  {
    std::lock_guard lock(mutex_);
    last_activity_ = Clock::now();
    // A worker may have become ready since the caller looked: do not park a call needlessly.
    for (const auto& w : workers_) {
      if (w->accepting && (!ready_now || w->outstanding < ready_now->outstanding)) ready_now = w;
    }
    if (!ready_now) {
      if (held_texts_ + texts > hold_capacity_) return false;
      held_.push_back({texts, deadline, std::move(resume)});
      held_texts_ += texts;
      if (unloaded_) wake = on_wake_;
    }
  }
  if (wake) wake();
  if (ready_now) resume(ready_now);
  return true;
}

void Router::set_on_wake(std::function<void()> on_wake) {
  std::lock_guard lock(mutex_);
  on_wake_ = std::move(on_wake);
}

bool Router::unload_if(const std::function<bool(Clock::time_point last_activity)>& due) {
  std::lock_guard lock(mutex_);
  if (unloaded_ || !held_.empty() || !due(last_activity_)) return false;
  for (const auto& w : workers_) w->accepting = false;
  workers_.clear();
  unloaded_ = true;
  return true;
}

void Router::note_activity(Clock::time_point now) {
  std::lock_guard lock(mutex_);
  last_activity_ = std::max(last_activity_, now);
}

bool Router::unloaded() const {
  std::lock_guard lock(mutex_);
  return unloaded_;
}

void Router::set_unloaded(bool unloaded) {
  std::lock_guard lock(mutex_);
  unloaded_ = unloaded;
}

bool Router::takes_calls() const {
  std::lock_guard lock(mutex_);
  return unloaded_ || std::any_of(workers_.begin(), workers_.end(),
                                  [](const auto& w) { return w->accepting.load(); });
}

void Router::expire(Clock::time_point now) {
  std::vector<Held> expired;
  {
    std::lock_guard lock(mutex_);
    for (auto it = held_.begin(); it != held_.end();) {
      if (it->deadline <= now) {
        held_texts_ -= it->texts;
        expired.push_back(std::move(*it));
        it = held_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& h : expired) h.resume(nullptr);
}

void Router::release_all() {
  std::vector<Held> all;
  {
    std::lock_guard lock(mutex_);
    all = take_all_locked();
  }
  for (auto& h : all) h.resume(nullptr);
}

std::vector<Router::Held> Router::take_all_locked() {
  std::vector<Held> out(std::make_move_iterator(held_.begin()),
                        std::make_move_iterator(held_.end()));
  held_.clear();
  held_texts_ = 0;
  return out;
}

std::size_t Router::held_texts() const {
  std::lock_guard lock(mutex_);
  return held_texts_;
}

int Router::accepting_workers() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count_if(workers_.begin(), workers_.end(),
                                        [](const auto& w) { return w->accepting.load(); }));
}

}  // namespace nmtd::front
