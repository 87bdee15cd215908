#include <cstdio>

#include "cli/commands.h"

namespace nmtd::cli {

int cmd_make_test_model(const Args&) {
  std::fprintf(stderr, "nmtd: not built yet\n");
  return 1;
}

}  // namespace nmtd::cli
