// A malloc that is not the C library's own: it hands every call to glibc's. Preloaded into
// `nmtd serve` by a test, it stands for heaptrack or a preloaded allocator, which the front
// must recognise (common/glibc_tunables.h).
#include <cstddef>

extern "C" void* __libc_malloc(std::size_t size);

extern "C" void* malloc(std::size_t size) { return __libc_malloc(size); }
