#pragma once
// This process's environment as a map, for code that takes the environment as a parameter (so
// its tests can give their own).
#include <map>
#include <string>

namespace nmtd {

std::map<std::string, std::string> process_environment();

}  // namespace nmtd
