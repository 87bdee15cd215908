#pragma once
// Faults acted out on request, for the tests of crash reports, the watchdog and engine
// failures: a call's x-nmtd-fault metadata (PendingCall::fault) names one of segv, abort,
// kill, throw (an exception nobody catches), hang:MS (the engine thread sleeps) or error (an
// engine failure). Installed only under --debug-fault-injection.
#include "common/log/log.h"
#include "worker/engine_faults.h"

namespace nmtd::worker {

class DebugFaults final : public EngineFaults {
 public:
  explicit DebugFaults(Logger& log) : log_(log) {}
  bool act_out(const std::vector<TextJob>& jobs) override;

 private:
  Logger& log_;
};

}  // namespace nmtd::worker
