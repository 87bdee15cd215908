#include "common/signal_watcher.h"

#include <pthread.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>

namespace nmtd {
namespace {

sigset_t signal_set(std::initializer_list<int> signals) {
  sigset_t set;
  sigemptyset(&set);
  for (const int signo : signals) sigaddset(&set, signo);
  return set;
}

}  // namespace

std::string signal_name(int signo) {
  const char* abbrev = sigabbrev_np(signo);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signo);
}

SignalBlock::SignalBlock() : SignalBlock({SIGTERM, SIGINT}) {}

SignalBlock::SignalBlock(std::initializer_list<int> signals) {
  const sigset_t set = signal_set(signals);
  pthread_sigmask(SIG_BLOCK, &set, &previous_);
}

SignalBlock::~SignalBlock() { pthread_sigmask(SIG_SETMASK, &previous_, nullptr); }

SignalWatcher::SignalWatcher(std::function<void(int, int)> on_signal)
    : SignalWatcher({SIGTERM, SIGINT}, std::move(on_signal)) {}

SignalWatcher::SignalWatcher(std::initializer_list<int> signals,
                             std::function<void(int, int)> on_signal)
    : signals_(signal_set(signals)), on_signal_(std::move(on_signal)) {
  thread_ = std::jthread([this](std::stop_token stop) {
    pthread_setname_np(pthread_self(), "signals");
    const sigset_t set = signals_;
    int count = 0;
    // A short timeout so that the owner can stop us: sigtimedwait cannot watch a stop_token.
    const timespec timeout{0, 100'000'000};
    while (!stop.stop_requested()) {
      const int signo = sigtimedwait(&set, nullptr, &timeout);
      if (signo > 0) on_signal_(signo, ++count);
    }
  });
}

SignalWatcher::~SignalWatcher() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace nmtd
