#pragma once
// How the worker and the front answer stop signals, the same way: the first SIGTERM/SIGINT asks
// for a drain, a second one exits at once; a drain that wedges ends the process; and both end
// with one tail (drain_and_exit). Each leaves its reason as a log line.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "common/log/log.h"
#include "common/shutdown.h"
#include "common/signal_watcher.h"

namespace nmtd {

// The first stop signal is logged and handed to `stop`; a second exits with status 1.
SignalWatcher watch_stop_signals(StopRequest& stop, Logger& log);

// Exits with status 1, after a log line, if the shutdown still runs `limit` from now.
ExitDeadline shutdown_deadline(std::chrono::milliseconds limit, Logger& log);

// The tail both processes end with, once `signo` asked them to stop: a deadline `exit_limit`
// away that ends the process if the drain wedges (shutdown_deadline), then `drain`, which
// returns why it fell short (nullopt: it drained everything), then the exit line. Returns the
// exit status: 0 drained, 1 fell short.
int drain_and_exit(int signo, std::chrono::milliseconds exit_limit, Logger& log,
                   const std::function<std::optional<std::string>()>& drain);

}  // namespace nmtd
