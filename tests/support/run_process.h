#pragma once
// Runs the built nmtd binary with arguments and standard input, collecting its output.
#include <string>
#include <vector>

namespace nmtd::testing {

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

ProcessResult run_nmtd(const std::vector<std::string>& args, const std::string& input = "");

}  // namespace nmtd::testing
