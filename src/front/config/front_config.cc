// What the front derives from its settings alone: threads per worker, the runtime directory.
#include "front/config/front_config.h"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace nmtd::front {

int available_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  // The CPUs this process may run on (taskset, cgroup cpusets), not all the machine has.
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

int threads_per_worker(const FrontConfig& config, int cores) {
  if (config.worker.threads > 0) return config.worker.threads;
  // Each worker's engine splits every step across its threads and waits for the slowest; when
  // workers x threads exceed the cores, a descheduled thread stalls the whole step. Measured
  // with 2 workers on 2 cores: 1 thread each served several times the requests of 2 each
  // (docs/operations.md). So the cores are shared out, at most 4 each (the engine's own cap).
  return std::clamp(cores / std::max(1, config.workers), 1, 4);
}

std::filesystem::path resolve_runtime_dir(const FrontConfig& config,
                                          const std::map<std::string, std::string>& env, pid_t pid,
                                          uid_t uid) {
  if (!config.runtime_dir.empty()) return config.runtime_dir;
  const std::string suffix = std::to_string(pid);
  // A relative XDG_RUNTIME_DIR is invalid by the XDG spec; ignore it as its readers must.
  if (const auto it = env.find("XDG_RUNTIME_DIR"); it != env.end() && it->second.starts_with('/'))
    return std::filesystem::path(it->second) / ("nmtd-" + suffix);
  return std::filesystem::path("/tmp") / ("nmtd-" + std::to_string(uid) + "-" + suffix);
}

}  // namespace nmtd::front
