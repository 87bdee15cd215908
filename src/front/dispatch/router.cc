#include "front/dispatch/router.h"

#include <algorithm>

namespace nmtd::front {

void Router::add(std::shared_ptr<WorkerEndpoint> worker) {
  std::vector<Held> resumed;
  {
    std::lock_guard lock(mutex_);
    worker->accepting = true;
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

std::shared_ptr<WorkerEndpoint> Router::pick(
    const std::vector<const WorkerEndpoint*>& tried) const {
  std::lock_guard lock(mutex_);
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
  {
    std::lock_guard lock(mutex_);
    // A worker may have become ready since the caller looked: do not park a call needlessly.
    for (const auto& w : workers_) {
      if (w->accepting && (!ready_now || w->outstanding < ready_now->outstanding)) ready_now = w;
    }
    if (!ready_now) {
      if (held_texts_ + texts > hold_capacity_) return false;
      held_.push_back({texts, deadline, std::move(resume)});
      held_texts_ += texts;
      return true;
    }
  }
  resume(ready_now);
  return true;
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
