#pragma once
// Entry points of the `nmtd` subcommands. Each returns the process exit status and prints
// its own --help. Errors are reported on stderr as "nmtd <command>: <message>".
#include <string>
#include <vector>

namespace nmtd::cli {

using Args = std::vector<std::string>;  // arguments after the subcommand name

int run(int argc, char** argv);  // dispatches on argv[1]

int cmd_translate(const Args& args);
int cmd_score(const Args& args);
int cmd_inspect(const Args& args);
int cmd_convert(const Args& args);
int cmd_make_test_model(const Args& args);
int cmd_bench(const Args& args);
int cmd_worker(const Args& args);
int cmd_client(const Args& args);
int cmd_serve(const Args& args);
int cmd_soak(const Args& args);

}  // namespace nmtd::cli
