#pragma once
// A std::terminate handler that says which exception escaped before the process aborts.

namespace nmtd::crash {

// Installs (std::set_terminate) a handler that writes
//   uncaught exception: <demangled type>: <what()>
// (or "terminate called without an active exception") to stderr, records that line in the
// active CrashReporter (if any) so that its report includes it, then calls std::abort(): the
// SIGABRT produces the crash report. Call it after constructing the CrashReporter.
void install_terminate_handler();

}  // namespace nmtd::crash
