#pragma once
// How the worker and the front answer stop signals, the same way: the first SIGTERM/SIGINT asks
// for a drain, a second one exits at once; and a drain that wedges ends the process. Both leave
// their reason as a log line.
#include <chrono>

#include "common/log/log.h"
#include "common/shutdown.h"
#include "common/signal_watcher.h"

namespace nmtd {

// The first stop signal is logged and handed to `stop`; a second exits with status 1.
SignalWatcher watch_stop_signals(StopRequest& stop, Logger& log);

// Exits with status 1, after a log line, if the shutdown still runs `limit` from now.
ExitDeadline shutdown_deadline(std::chrono::milliseconds limit, Logger& log);

}  // namespace nmtd
