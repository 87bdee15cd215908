#pragma once
// Directories for what only the service's own user may read (logs, crash reports, sockets):
// created with mode 0700 whatever the umask.
#include <filesystem>

namespace nmtd {

// Creates `dir` and its missing parents, each with mode 0700. Directories that exist already
// are left as they are (an operator may have chosen their mode). Throws IoError naming the
// directory that could not be created.
void create_private_directories(const std::filesystem::path& dir);

}  // namespace nmtd
