#pragma once
// The seam through which tests make the engine misbehave: the batcher hands it the texts that
// reach the engine, before their encoder runs. Production installs none; `--debug-fault-
// injection` installs DebugFaults (debug_faults.h).
#include <vector>

#include "worker/pending_call.h"

namespace nmtd::worker {

class EngineFaults {
 public:
  virtual ~EngineFaults() = default;
  // May crash, hang or throw. An nmtd::Error thrown here fails these texts as an engine
  // failure would; anything else escapes the batcher, as a real bug would. Returns true when it
  // acted a fault out: the engine time around it is no measurement.
  virtual bool act_out(const std::vector<TextJob>& jobs) = 0;
};

}  // namespace nmtd::worker
