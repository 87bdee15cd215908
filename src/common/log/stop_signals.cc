#include "common/log/stop_signals.h"

#include <unistd.h>

namespace nmtd {

SignalWatcher watch_stop_signals(StopRequest& stop, Logger& log) {
  return SignalWatcher([&stop, &log](int signo, int nth) {
    if (nth == 1) {
      log.info("{} received: draining (a second signal exits at once)", signal_name(signo));
      stop.request(signo);
      return;
    }
    log.error("exit: second {} received; exiting at once (status 1)", signal_name(signo));
    log.flush();
    ::_exit(1);
  });
}

ExitDeadline shutdown_deadline(std::chrono::milliseconds limit, Logger& log) {
  return ExitDeadline(limit, [&log, limit] {
    log.error("exit: shutdown did not finish within {} ms; forcing exit (status 1)", limit.count());
    log.flush();
  });
}

int drain_and_exit(int signo, std::chrono::milliseconds exit_limit, Logger& log,
                   const std::function<std::optional<std::string>()>& drain) {
  const ExitDeadline exit_deadline = shutdown_deadline(exit_limit, log);
  const auto shortfall = drain();
  if (shortfall) {
    log.error("exit: {} after {}; status 1", *shortfall, signal_name(signo));
    log.flush();
    return 1;
  }
  log.info("exit: drained after {}; status 0", signal_name(signo));
  log.flush();
  return 0;
}

}  // namespace nmtd
