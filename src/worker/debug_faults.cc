#include "worker/debug_faults.h"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#include "common/error.h"
#include "common/loggable.h"

namespace nmtd::worker {
namespace {

// A real SIGSEGV with a fault address, also in sanitizer builds: UBSan would otherwise catch
// the null store itself and abort before the crash reporter sees a segfault.
[[gnu::noinline, gnu::no_sanitize("undefined")]] void write_through_null() {
  volatile int* volatile nowhere = nullptr;
  *nowhere = 1;
}

}  // namespace

bool DebugFaults::act_out(const std::vector<TextJob>& jobs) {
  for (const auto& job : jobs) {
    const std::string& fault = job.call->fault;
    if (fault.empty()) continue;
    log_.warn("request {}: acting out injected fault '{}'", loggable(job.call->request_id()),
              loggable(fault));
    log_.flush();
    if (fault == "segv") {
      write_through_null();
    } else if (fault == "abort") {
      std::abort();
    } else if (fault == "kill") {
      ::raise(SIGKILL);
    } else if (fault == "throw") {
      // Not an nmtd::Error on purpose: it must reach std::terminate like a real escape.
      throw std::logic_error("injected fault: an exception nobody catches");
    } else if (fault == "error") {
      throw Error("injected fault: engine failure");
    } else if (fault.rfind("hang:", 0) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(fault.c_str() + 5)));
    }
    return true;  // one fault per batch is enough
  }
  return false;
}

}  // namespace nmtd::worker
