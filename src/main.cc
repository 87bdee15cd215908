#include <cstdio>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "common/glibc_tunables.h"
#include "rpc/abseil_runtime.h"

int main(int argc, char** argv) {
  // The front runs for days forwarding calls on some twenty gRPC threads: without glibc's
  // per-thread caches of freed blocks its RSS stays on what it uses (common/glibc_tunables.h).
  // Its workers keep the environment they would have had.
  std::string tunable_problem;
  if (argc > 1 && std::string_view(argv[1]) == "serve") {
    tunable_problem = nmtd::reexec_with_glibc_tunable("glibc.malloc.tcache_count=0", argv);
    nmtd::restore_inherited_glibc_tunables();
  }
  if (!tunable_problem.empty()) std::fprintf(stderr, "nmtd serve: %s\n", tunable_problem.c_str());
  nmtd::rpc::disable_mutex_deadlock_detection();
  return nmtd::cli::run(argc, argv);
}
