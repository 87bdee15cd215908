#include "common/glibc_tunables.h"

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

std::string reexec_with_glibc_tunable(std::string_view tunable, char** argv) {
#if defined(__GLIBC__)
  if (std::getenv(kInherited) != nullptr) return {};  // we are the re-executed process
  const char* current = std::getenv(kTunables);
  const std::string wanted = with_glibc_tunable(current ? current : "", tunable);
  if (current != nullptr && wanted == current) return {};  // already set, by the user
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
