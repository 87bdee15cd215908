#pragma once
// glibc malloc keeps freed memory in its arenas; in a long-running process that has once made
// a large allocation (a 10 MB symbol table read while symbolizing a crash report, a 2 MiB
// message) that memory stays resident, and its fragments make RSS climb in steps with every
// such event (measured with nmtd soak and heaptrack: heap peak 13.5 MB, RSS 60+ MiB and rising).
// These calls hand it back. Elsewhere than glibc they do nothing.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <thread>

namespace nmtd {

// Fixes malloc's mmap threshold at `bytes` (glibc raises it dynamically up to 32 MiB after a
// large block is freed, after which large blocks come from the arenas and stay). A threshold
// the user set with MALLOC_MMAP_THRESHOLD_ is left alone.
void bound_mmap_threshold(std::size_t bytes = 256 * 1024);

// Returns the free memory of every arena to the system (malloc_trim(0)); cheap enough for
// every few seconds and after each large, rare piece of work.
void release_free_heap();

// How often the front and the workers hand free heap back. Memory a burst of calls freed
// stays resident until the next release, so a minute between releases let every burst, flood
// or re-sent batch lift RSS for up to a minute (floors 3-8 MiB up for one or two minutes in
// 20-minute soaks); a few seconds keeps RSS on what is in use. One release of these small
// heaps takes well under a millisecond.
inline constexpr std::chrono::seconds kHeapReleaseInterval{5};

// Calls release_free_heap() every `interval` on a thread of its own until destroyed.
class PeriodicHeapRelease {
 public:
  explicit PeriodicHeapRelease(std::chrono::milliseconds interval = kHeapReleaseInterval);
  ~PeriodicHeapRelease();
  PeriodicHeapRelease(const PeriodicHeapRelease&) = delete;
  PeriodicHeapRelease& operator=(const PeriodicHeapRelease&) = delete;

  // Releases done so far (for tests).
  unsigned long releases() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  unsigned long releases_ = 0;
  std::jthread thread_;
};

}  // namespace nmtd
