#pragma once
// Owns callback-API reactors from creation to OnDone. gRPC takes a raw pointer and calls
// OnDone last; the reactor then hands itself back here to be destroyed — ownership stays with
// unique_ptr instead of `delete this`.
#include <map>
#include <memory>
#include <mutex>

namespace nmtd::rpc {

template <typename Reactor>
class OwnedReactors {
 public:
  Reactor* add(std::unique_ptr<Reactor> reactor) {
    Reactor* raw = reactor.get();
    std::lock_guard lock(mutex_);
    reactors_.emplace(raw, std::move(reactor));
    return raw;
  }
  // Call from the reactor's OnDone, as its last act.
  void release(Reactor* reactor) {
    std::unique_ptr<Reactor> owned;
    {
      std::lock_guard lock(mutex_);
      const auto it = reactors_.find(reactor);
      if (it == reactors_.end()) return;
      owned = std::move(it->second);
      reactors_.erase(it);
    }
    // Destroyed here, outside the lock.
  }
  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return reactors_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::map<Reactor*, std::unique_ptr<Reactor>> reactors_;
};

}  // namespace nmtd::rpc
