#include "common/private_directory.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "common/error.h"

namespace nmtd {

void create_private_directories(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> missing;  // innermost first
  std::error_code ec;
  for (auto p = dir.lexically_normal(); !p.empty() && !std::filesystem::exists(p, ec);
       p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0) {
      if (errno == EEXIST && std::filesystem::is_directory(*it, ec)) continue;  // a race: fine
      throw IoError("cannot create the directory " + it->string() + ": " + std::strerror(errno));
    }
    ::chmod(it->c_str(), 0700);  // a umask such as 0277 must not leave it unusable
  }
  if (!std::filesystem::is_directory(dir, ec)) throw IoError("not a directory: " + dir.string());
}

}  // namespace nmtd
