#pragma once
// `nmtd worker`: the whole life of a worker process, from listening (health NOT_SERVING while
// the model loads) to the last log line saying why it exited.
#include "worker/worker_config.h"

namespace nmtd::worker {

// Returns the process exit status: 0 after a graceful drain, 1 when start-up failed or the
// drain deadline forced the exit.
int run_worker(const WorkerConfig& config);

}  // namespace nmtd::worker
