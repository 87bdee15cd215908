#pragma once
// glibc malloc keeps freed memory in its arenas; in a long-running process that has once made
// a large allocation (a 10 MB symbol table read while symbolizing a crash report, a 2 MiB
// message) that memory stays resident, and its fragments make RSS climb in steps with every
// such event (measured with nmtd soak and heaptrack: heap peak 13.5 MB, RSS 60+ MiB and rising).
// These two calls hand it back. Elsewhere than glibc they do nothing.
#include <cstddef>

namespace nmtd {

// Fixes malloc's mmap threshold at `bytes` (glibc raises it dynamically up to 32 MiB after a
// large block is freed, after which large blocks come from the arenas and stay). A threshold
// the user set with MALLOC_MMAP_THRESHOLD_ is left alone.
void bound_mmap_threshold(std::size_t bytes = 256 * 1024);

// Returns the free memory of every arena to the system (malloc_trim(0)); cheap enough for
// once a minute and after each large, rare piece of work.
void release_free_heap();

}  // namespace nmtd
