#pragma once
// Chooses the worker for each call, and holds calls while no worker takes work (a crash and
// its replacement's start, a crash loop, the workers unloaded for idleness) in a queue bounded
// in texts and ordered by nothing but arrival; a held call leaves it when a worker is ready or
// when its deadline passes. Every call that needs a worker passes here, so the router also keeps
// the idle clock of `serve --idle-unload` and wakes the supervisor when a call finds the workers
// unloaded.
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
  // A call arriving here counts as activity for the idle clock.
  std::shared_ptr<WorkerEndpoint> pick(const std::vector<const WorkerEndpoint*>& tried);

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

  // Idle unload. `on_wake` runs (on the caller's thread, outside the lock) for each call held
  // while the workers are unloaded; set it before any call arrives.
  void set_on_wake(std::function<void()> on_wake);
  // Atomically with the calls that pick or hold: when no call is held and `due(the latest
  // activity)` says so, every worker stops taking calls and the pool reads as unloaded; true
  // then. Activity is a call's arrival, a worker joining (add), or a moment the supervisor saw
  // calls in flight (note_activity), so that a long call's end starts the idle time, not its
  // beginning.
  bool unload_if(const std::function<bool(Clock::time_point last_activity)>& due);
  void note_activity(Clock::time_point now);
  // The workers were unloaded and none serves yet: a call is held and wakes them. The
  // supervisor clears it when a wake fails (the slot then restarts as after any failure);
  // add() clears it when a worker takes calls again.
  bool unloaded() const;
  void set_unloaded(bool unloaded);
  // Whether a call sent now will be served: a worker takes calls, or they were unloaded and one
  // starts for the call (health, /readyz and Baketa's IsReady say so).
  bool takes_calls() const;

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
  Clock::time_point last_activity_ = Clock::now();
  bool unloaded_ = false;
  std::function<void()> on_wake_;
};

}  // namespace nmtd::front
