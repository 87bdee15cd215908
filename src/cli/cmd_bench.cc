#include <cstdio>

#include "cli/commands.h"

namespace nmtd::cli {

int cmd_bench(const Args&) {
  std::fprintf(stderr, "nmtd: not built yet\n");
  return 1;
}

}  // namespace nmtd::cli
