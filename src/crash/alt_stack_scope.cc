// AltStackScope (declared in crash_reporter.h): a per-thread alternate signal stack.
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.h"
#include "crash/crash_reporter.h"

namespace nmtd::crash {
namespace {

// The handler formats on its stack and unwinds with libgcc, which needs a few pages; a
// sanitizer build's frames are several times larger. 256 KiB per thread is mostly untouched
// (the kernel maps pages on first use).
constexpr std::size_t kMinAltStack = 256 * 1024;

}  // namespace

AltStackScope::AltStackScope() {
  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  const std::size_t wanted = std::max<std::size_t>(kMinAltStack, SIGSTKSZ);
  const std::size_t size = (wanted + page - 1) / page * page;
  mapped_ = size + page;
  void* base = ::mmap(nullptr, mapped_, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (base == MAP_FAILED) {
    throw Error(std::string("cannot map an alternate signal stack: ") + std::strerror(errno));
  }
  base_ = base;
  // A guard page below: a handler that overflows this stack faults instead of corrupting
  // whatever lies below it.
  ::mprotect(base_, page, PROT_NONE);
  stack_t stack{};
  stack.ss_sp = static_cast<char*>(base_) + page;
  stack.ss_size = size;
  stack.ss_flags = 0;
  if (::sigaltstack(&stack, &old_) != 0) {
    const int err = errno;
    ::munmap(base_, mapped_);
    throw Error(std::string("cannot install an alternate signal stack: ") + std::strerror(err));
  }
}

AltStackScope::~AltStackScope() {
  // Put back what the thread had (nothing, or a sanitizer's stack, which the sanitizer frees
  // itself when the thread exits) before unmapping ours.
  stack_t old = old_;
  old.ss_flags = (old_.ss_flags & SS_DISABLE) ? SS_DISABLE : 0;
  ::sigaltstack(&old, nullptr);
  ::munmap(base_, mapped_);
}

}  // namespace nmtd::crash
