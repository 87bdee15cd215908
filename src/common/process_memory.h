#pragma once
// Resident memory of this process, read from /proc/self/status (Linux).
#include <cstdint>

namespace nmtd {

struct ProcessMemory {
  int64_t rss_bytes = -1;       // VmRSS; -1 when unavailable
  int64_t peak_rss_bytes = -1;  // VmHWM
};

ProcessMemory read_process_memory();

}  // namespace nmtd
