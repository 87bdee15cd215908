#pragma once
// glibc reads its tunables (GLIBC_TUNABLES) once, when a program starts: a process that needs
// one it did not inherit has to execute itself again with it.
//
// The front does that for glibc.malloc.tcache_count=0. Each of its ~20 gRPC threads kept up to
// seven freed blocks of every size in a cache of its own, which malloc_trim cannot hand back;
// as the threads met new sizes the cached blocks pinned more pages, and the front's RSS crept up
// with the calls it forwarded (about 0.2 bytes per call, 1.4 MiB/h on 2 cores) while its live
// heap stayed flat. Side by side, 10 minutes at full load: malloc's bytes in use +213 KB with
// the caches, -58 KB without; RSS floors +430 KiB and flat (docs/operations.md).
#include <string>
#include <string_view>

namespace nmtd {

// GLIBC_TUNABLES `current` with `tunable` ("name=value") appended. When `current` already sets
// that name, it is returned as it is: a tunable the user chose wins.
std::string with_glibc_tunable(std::string_view current, std::string_view tunable);

// Whether a process should execute itself again to get `tunable`, from its environment
// (nullptr when a variable is unset) and whether malloc is glibc's own.
enum class TunableReexec {
  wanted,
  already_reexecuted,  // NMTD_INHERITED_GLIBC_TUNABLES is set: we are the second run
  set_by_user,         // GLIBC_TUNABLES already names the tunable: the user's value wins
  // Another malloc is interposed: a preloaded allocator or a sanitizer (glibc's tunable means
  // nothing to it), or a tracer such as heaptrack, whose record would end at a second run.
  malloc_interposed,
};
TunableReexec decide_tunable_reexec(std::string_view tunable, const char* inherited_marker,
                                    const char* glibc_tunables, bool malloc_is_glibcs);

// Whether the malloc this process calls is the C library's own (false under a preloaded
// allocator, heaptrack, or a sanitizer).
bool malloc_is_glibcs();

// Executes this program again (/proc/self/exe, same pid, same arguments) with `tunable` added
// to GLIBC_TUNABLES, and does not return when that succeeds. Returns when no re-execution is
// wanted (decide_tunable_reexec) or the C library is not glibc. Call first thing in main,
// before any thread exists. Returns a message for the log when the re-execution was wanted but
// failed, or was left out because malloc is interposed (the process then runs as it is), and an
// empty string otherwise.
std::string reexec_with_glibc_tunable(std::string_view tunable, char** argv);

// In the re-executed process: puts GLIBC_TUNABLES back as this program inherited it, so that
// the processes it starts (workers) run with the user's environment, not the front's tunables.
// Does nothing in a process that was not re-executed. Call before any thread exists.
void restore_inherited_glibc_tunables();

}  // namespace nmtd
