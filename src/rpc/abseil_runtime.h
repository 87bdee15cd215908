#pragma once
// Process-wide settings of Abseil, which gRPC runs on.
//
// Debian builds Abseil without NDEBUG, so every absl::Mutex::Lock in gRPC runs the debug
// deadlock detector: it takes one global lock, records the acquired-before graph in memory
// that is never given back (LowLevelAlloc, 64 KiB mmaps outside malloc, where heaptrack does
// not look), and aborts the process on a lock-order cycle it merely suspects. Under nmtd soak
// that graph grew the front by about 1 MiB/h (docs/operations.md).
namespace nmtd::rpc {

// Turns the detector off. Call first thing in main, before any thread locks a Mutex.
void disable_mutex_deadlock_detection();

}  // namespace nmtd::rpc
