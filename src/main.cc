#include "cli/commands.h"

int main(int argc, char** argv) { return nmtd::cli::run(argc, argv); }
