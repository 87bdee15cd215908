#include "cli/commands.h"
#include "rpc/abseil_runtime.h"

int main(int argc, char** argv) {
  nmtd::rpc::disable_mutex_deadlock_detection();
  return nmtd::cli::run(argc, argv);
}
