#include "crash/terminate_handler.h"

#include <cxxabi.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <typeinfo>

#include "crash/crash_reporter.h"
#include "crash/report_writer.h"

namespace nmtd::crash {
namespace {

std::string demangle(const char* name) {
  int status = 0;
  // __cxa_demangle returns malloc'ed memory: owned by a unique_ptr that calls free.
  std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(name, nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(name);
}

std::string describe_current_exception() {
  const std::type_info* type = abi::__cxa_current_exception_type();
  if (type == nullptr) return "terminate called without an active exception";
  std::string line = "uncaught exception: " + demangle(type->name());
  try {
    throw;  // the exception being handled: terminate runs inside its implicit catch
  } catch (const std::exception& e) {
    line += ": ";
    line += e.what();
  } catch (...) {
    // Not a std::exception: its type is all there is to say.
  }
  return line;
}

[[noreturn]] void on_terminate() noexcept {
  // Two threads may get here at once: both print their line, and the reporter keeps the first
  // (record_uncaught_exception is first-wins). Nothing in here can throw out of it.
  try {
    const std::string line = describe_current_exception();
    detail::write_all(STDERR_FILENO, line.data(), line.size());
    detail::write_all(STDERR_FILENO, "\n", 1);
    detail::record_uncaught_exception(line);
  } catch (...) {  // bad_alloc, or what() threw
    detail::record_uncaught_exception("uncaught exception: (cannot be described)");
  }
  std::abort();
}

}  // namespace

void install_terminate_handler() { std::set_terminate(on_terminate); }

}  // namespace nmtd::crash
