#pragma once
// Crash reports on fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT).
//
// While a CrashReporter lives, a fatal signal writes a report (program, version, build id,
// signal, faulting address, thread, the uncaught exception if any, the requests in flight and
// the stack) to `<report_dir>/crash-<pid>.txt` and to stderr, then the process dies by that
// signal as it would have without us. Everything the handler needs is prepared by the
// constructor (report directory opened, build id read, unwinder loaded), because at crash time
// the heap, path lookups and locks cannot be trusted. The report file itself is created (mode
// 0600) by the handler with openat() on the directory's descriptor, which is async-signal-safe:
// a process that ends any other way, SIGKILL included, leaves no file behind.
//
// Usage: construct one early in main(), on the main thread, and destroy it on the same thread
// (it sets up that thread's alternate signal stack). Other threads that may overflow their
// stack hold an AltStackScope.
#include <signal.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "crash/in_flight_ring.h"

namespace nmtd::crash {

struct CrashReporterConfig {
  std::filesystem::path report_dir;  // empty: no file, the report goes to stderr only
  std::string program = "nmtd";
  std::string version;
  const InFlightRing* in_flight = nullptr;  // must outlive the reporter
  bool also_stderr = true;                  // ignored (always true) without a report_dir
};

// An alternate signal stack for the calling thread, so that a stack overflow on it can still
// run the crash handler. sigaltstack is per thread: create one at the top of each long-lived
// thread and let it die with the thread's function. Restores the previous one when destroyed.
class AltStackScope {
 public:
  AltStackScope();  // throws nmtd::Error if the stack cannot be mapped or installed
  ~AltStackScope();
  AltStackScope(const AltStackScope&) = delete;
  AltStackScope& operator=(const AltStackScope&) = delete;

 private:
  void* base_ = nullptr;  // the mapping: a guard page, then the stack
  std::size_t mapped_ = 0;
  stack_t old_{};  // the thread's previous alternate stack (often none, or the sanitizer's)
};

class CrashReporter {
 public:
  // Throws nmtd::IoError if the report directory cannot be opened or written, nmtd::Error if
  // another CrashReporter is active in this process.
  explicit CrashReporter(const CrashReporterConfig& config);
  // Restores the previous signal handlers.
  ~CrashReporter();
  CrashReporter(const CrashReporter&) = delete;
  CrashReporter& operator=(const CrashReporter&) = delete;

  // Where a report would be written; empty when reporting to stderr only.
  const std::filesystem::path& report_path() const { return path_; }

  struct State;  // preallocated state read by the signal handler (crash_reporter.cc)

 private:
  std::filesystem::path path_;
  std::unique_ptr<State> state_;
  std::unique_ptr<AltStackScope> alt_stack_;
};

namespace detail {
// Copies `line` (truncated) into the active reporter's preallocated buffer, so that its next
// report includes it. Does nothing without an active reporter. Used by the terminate handler.
void record_uncaught_exception(std::string_view line) noexcept;
}  // namespace detail

}  // namespace nmtd::crash
