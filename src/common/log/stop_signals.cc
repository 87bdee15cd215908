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

}  // namespace nmtd
