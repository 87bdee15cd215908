#pragma once
// SIGTERM and SIGINT are handled by a thread that waits for them (sigtimedwait), not inside a
// handler, so their response may log, lock and notify freely. The signals must be blocked in
// every thread: construct SignalBlock first, before any thread exists.
#include <signal.h>

#include <functional>
#include <initializer_list>
#include <string>
#include <thread>

namespace nmtd {

// "SIGTERM", "SIGSEGV", ...; "signal N" for a number with no name.
std::string signal_name(int signo);

class SignalBlock {
 public:
  SignalBlock();  // blocks SIGTERM and SIGINT in this thread and the threads it creates later
  // Blocks `signals` instead (a front that also answers SIGHUP adds it).
  explicit SignalBlock(std::initializer_list<int> signals);
  ~SignalBlock();  // restores the previous mask
  SignalBlock(const SignalBlock&) = delete;
  SignalBlock& operator=(const SignalBlock&) = delete;

 private:
  sigset_t previous_;
};

class SignalWatcher {
 public:
  // `on_signal(signo, nth)` runs on the watcher's thread for SIGTERM and SIGINT; nth counts
  // from 1.
  explicit SignalWatcher(std::function<void(int signo, int nth)> on_signal);
  // The same for `signals` (each blocked by a SignalBlock). Watchers of disjoint sets may run
  // side by side: each signal goes to the one that waits for it.
  SignalWatcher(std::initializer_list<int> signals,
                std::function<void(int signo, int nth)> on_signal);
  ~SignalWatcher();
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  sigset_t signals_;
  std::function<void(int, int)> on_signal_;
  std::jthread thread_;
};

}  // namespace nmtd
