#pragma once
// The private directory of the workers' sockets (resolve_runtime_dir() names it): ours alone
// (0700) and gone when we are. A front killed by SIGKILL cannot remove its own, so each front
// removes, at start-up, the ones its dead predecessors left.
#include <sys/types.h>

#include <filesystem>
#include <vector>

namespace nmtd::front {

class RuntimeDir {
 public:
  // Creates `path` (mode 0700); throws IoError when it cannot.
  explicit RuntimeDir(std::filesystem::path path);
  ~RuntimeDir();  // removes it and everything in it
  RuntimeDir(const RuntimeDir&) = delete;
  RuntimeDir& operator=(const RuntimeDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// `own` is this front's runtime directory, named <prefix><pid> with `pid` ours (both default
// forms end so: nmtd-<pid>, nmtd-<uid>-<pid>). Removes each sibling <prefix><number> that is a
// directory (not a link) owned by `uid` whose process no longer exists, and returns them. A
// configured runtime_dir (not ending in our pid) has no siblings of ours: nothing is removed.
std::vector<std::filesystem::path> remove_stale_runtime_dirs(const std::filesystem::path& own,
                                                             pid_t pid, uid_t uid);

}  // namespace nmtd::front
