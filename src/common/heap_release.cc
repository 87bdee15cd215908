#include "common/heap_release.h"

#include <pthread.h>

#include <cstdlib>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nmtd {

void bound_mmap_threshold(std::size_t bytes) {
#if defined(__GLIBC__)
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") != nullptr) return;
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes));
#else
  (void)bytes;
#endif
}

void release_free_heap() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

PeriodicHeapRelease::PeriodicHeapRelease(std::chrono::milliseconds interval)
    : thread_([this, interval](std::stop_token stop) {
        pthread_setname_np(pthread_self(), "heap-release");
        std::unique_lock lock(mutex_);
        // The predicate is false: only the stop request ends a wait early.
        while (!wake_.wait_for(lock, stop, interval, [] { return false; }) &&
               !stop.stop_requested()) {
          lock.unlock();
          release_free_heap();
          lock.lock();
          ++releases_;
        }
      }) {}

PeriodicHeapRelease::~PeriodicHeapRelease() {
  thread_.request_stop();
  thread_.join();
}

unsigned long PeriodicHeapRelease::releases() const {
  std::lock_guard lock(mutex_);
  return releases_;
}

}  // namespace nmtd
