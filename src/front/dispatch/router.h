#pragma once
// Chooses the worker for each call, and holds calls while no worker takes work (a crash and
// its replacement's start, a crash loop) in a queue bounded in texts and ordered by nothing but
// arrival; a held call leaves it when a worker is ready or when its deadline passes.
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "front/dispatch/worker_endpoint.h"

namespace nmtd::front {

class Router {
 public:
  using Clock = std::chrono::steady_clock;
  // What a held call is told: a worker to try, or nullptr when its deadline passed.
  using Resume = std::function<void(std::shared_ptr<WorkerEndpoint>)>;

  explicit Router(std::size_t hold_capacity_texts) : hold_capacity_(hold_capacity_texts) {}

  // The supervisor's view: `worker` takes new calls from now on / no longer does.
  void add(std::shared_ptr<WorkerEndpoint> worker);
  void remove(const WorkerEndpoint* worker);
  // A call saw `worker` fail at the transport level: stop sending it work until the supervisor,
  // which finds `suspect` set, has checked it again.
  void suspect(const std::shared_ptr<WorkerEndpoint>& worker);

  // The accepting worker with the fewest calls outstanding, preferring those not in `tried`;
  // nullptr when none accepts work.
  std::shared_ptr<WorkerEndpoint> pick(const std::vector<const WorkerEndpoint*>& tried) const;

  // Queues `resume` until a worker is added or `deadline` passes. False when `texts` more would
  // overflow the bound: the caller answers RESOURCE_EXHAUSTED.
  bool hold(std::size_t texts, Clock::time_point deadline, Resume resume);
  // Resumes held calls whose deadline passed (with nullptr); the supervisor calls it often.
  void expire(Clock::time_point now);
  // Resumes every held call with nullptr (shutdown).
  void release_all();

  std::size_t held_texts() const;
  std::size_t hold_capacity() const { return hold_capacity_; }
  int accepting_workers() const;

 private:
  struct Held {
    std::size_t texts;
    Clock::time_point deadline;
    Resume resume;
  };
  std::vector<Held> take_all_locked();

  const std::size_t hold_capacity_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<WorkerEndpoint>> workers_;
  std::deque<Held> held_;
  std::size_t held_texts_ = 0;
};

}  // namespace nmtd::front
