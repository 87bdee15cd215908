#include "rpc/abseil_runtime.h"

#include <absl/synchronization/mutex.h>

namespace nmtd::rpc {

void disable_mutex_deadlock_detection() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace nmtd::rpc
