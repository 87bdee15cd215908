#pragma once
// One snapshot of this process's resource use, read from procfs (and NVML when present).
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>

namespace nmtd::monitor {

class GpuMemoryProbe;

struct GpuMemory {
  int64_t used_bytes = 0;
  int64_t total_bytes = 0;
};

struct ResourceSample {
  std::chrono::system_clock::time_point at;
  int64_t rss_bytes = 0;
  int64_t peak_rss_bytes = 0;
  int open_fds = 0;  // -1: /proc/self/fd could not be listed (e.g. at the fd limit)
  int threads = 0;
  std::optional<GpuMemory> gpu;  // nullopt: no probe, or NVML absent or failing
};

// `gpu` may be null. Throws IoError only when /proc/self/status cannot be read: without it
// the sample would be meaningless, whereas a missing fd count or GPU reading is tolerable.
ResourceSample read_resources(GpuMemoryProbe* gpu);

}  // namespace nmtd::monitor

namespace nmtd::monitor {

// Another process's resources (no GPU reading): what `nmtd soak` watches the server with.
// nullopt when the process is gone or its /proc entry cannot be read; open_fds is -1 when
// only its fd directory is closed to us.
std::optional<ResourceSample> read_process_resources(pid_t pid);

}  // namespace nmtd::monitor
