#include "common/glibc_tunables.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace nmtd {

namespace {

constexpr const char* kTunables = "GLIBC_TUNABLES";
// Set only across our own re-execution: "unset", or "set:" followed by the inherited value.
constexpr const char* kInherited = "NMTD_INHERITED_GLIBC_TUNABLES";

std::string_view name_of(std::string_view assignment) {
  return assignment.substr(0, assignment.find('='));
}

bool sets_name(std::string_view tunables, std::string_view name) {
  while (!tunables.empty()) {
    const auto colon = tunables.find(':');
    if (name_of(tunables.substr(0, colon)) == name) return true;
    if (colon == std::string_view::npos) break;
    tunables.remove_prefix(colon + 1);
  }
  return false;
}

}  // namespace

std::string with_glibc_tunable(std::string_view current, std::string_view tunable) {
  if (sets_name(current, name_of(tunable))) return std::string(current);
  std::string out(current);
  if (!out.empty()) out += ':';
  out += tunable;
  return out;
}

TunableReexec decide_tunable_reexec(std::string_view tunable, const char* inherited_marker,
                                    const char* glibc_tunables, bool malloc_is_glibcs) {
  if (inherited_marker != nullptr) return TunableReexec::already_reexecuted;
  if (glibc_tunables != nullptr && sets_name(glibc_tunables, name_of(tunable)))
    return TunableReexec::set_by_user;
  if (!malloc_is_glibcs) return TunableReexec::malloc_interposed;
  return TunableReexec::wanted;
}

bool malloc_is_glibcs() {
#if defined(__GLIBC__)
  // An interposer (LD_PRELOAD, or a sanitizer's runtime) comes first in the global lookup;
  // the C library's own definition is what libc.so.6 itself exports. heaptrack removes itself
  // from LD_PRELOAD as it starts, so the environment cannot tell.
  void* libc = ::dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
  if (libc == nullptr) return true;
  const bool own = ::dlsym(libc, "malloc") == ::dlsym(RTLD_DEFAULT, "malloc");
  ::dlclose(libc);
  return own;
#else
  return false;
#endif
}

std::string reexec_with_glibc_tunable(std::string_view tunable, char** argv) {
#if defined(__GLIBC__)
  const char* current = std::getenv(kTunables);
  switch (decide_tunable_reexec(tunable, std::getenv(kInherited), current, malloc_is_glibcs())) {
    case TunableReexec::wanted:
      break;
    case TunableReexec::already_reexecuted:
    case TunableReexec::set_by_user:
      return {};
    case TunableReexec::malloc_interposed:
      return "malloc is not glibc's (a preloaded allocator, a sanitizer or a tracer such as "
             "heaptrack): running as started, without " +
             std::string(tunable);
  }
  const std::string wanted = with_glibc_tunable(current ? current : "", tunable);
  const std::string inherited = current ? std::string("set:") + current : std::string("unset");
  if (::setenv(kInherited, inherited.c_str(), 1) != 0 ||
      ::setenv(kTunables, wanted.c_str(), 1) != 0)
    return std::string("cannot set ") + kTunables + ": " + std::strerror(errno);
  ::execv("/proc/self/exe", argv);
  // Still here: run on without the tunable, with the environment as it was.
  const std::string why =
      std::string("cannot run again with ") + std::string(tunable) + ": " + std::strerror(errno);
  restore_inherited_glibc_tunables();
  return why;
#else
  (void)tunable;
  (void)argv;
  return {};
#endif
}

void restore_inherited_glibc_tunables() {
  const char* inherited = std::getenv(kInherited);
  if (inherited == nullptr) return;
  const std::string_view value(inherited);
  if (value.starts_with("set:")) {
    ::setenv(kTunables, std::string(value.substr(4)).c_str(), 1);
  } else {
    ::unsetenv(kTunables);
  }
  ::unsetenv(kInherited);
}

}  // namespace nmtd
