#pragma once
// Files that readers see whole or not at all: written under PATH.tmp, then renamed over PATH,
// so that a reader (or a process restarted after dying mid-write) never sees half a file.
#include <sys/types.h>

#include <filesystem>
#include <string_view>

namespace nmtd {

// Throws IoError naming the path on failure; a failed write leaves no .tmp file behind. The
// file gets `mode` whatever the umask (0600 for what holds request ids or error texts).
void write_file_atomically(const std::filesystem::path& path, std::string_view text,
                           mode_t mode = 0644);

}  // namespace nmtd
