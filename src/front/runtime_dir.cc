#include "front/runtime_dir.h"

#include <signal.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <string>
#include <system_error>

#include "common/error.h"

namespace nmtd::front {

RuntimeDir::RuntimeDir(std::filesystem::path path) : path_(std::move(path)) {
  std::filesystem::create_directories(path_.parent_path());
  if (::mkdir(path_.c_str(), 0700) != 0 && errno != EEXIST)
    throw IoError("cannot create the runtime directory " + path_.string() + ": " +
                  std::strerror(errno));
  ::chmod(path_.c_str(), 0700);
}

RuntimeDir::~RuntimeDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

// The pid in `name` = <prefix><digits>, or 0 when it is not of that form.
pid_t pid_of(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix) || name.size() == prefix.size()) return 0;
  const std::string_view digits = name.substr(prefix.size());
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
  if (ec != std::errc() || end != digits.data() + digits.size() || pid <= 0) return 0;
  return pid;
}

// Only ESRCH proves the process gone; EPERM means it lives under another user (pid reuse).
bool process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

std::vector<std::filesystem::path> remove_stale_runtime_dirs(const std::filesystem::path& own,
                                                             pid_t pid, uid_t uid) {
  std::vector<std::filesystem::path> removed;
  const std::string name = own.filename().string();
  const std::string suffix = std::to_string(pid);
  if (!name.ends_with(suffix) || name.size() == suffix.size()) return removed;
  const std::string prefix = name.substr(0, name.size() - suffix.size());
  if (pid_of(name, prefix) != pid) return removed;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(own.parent_path(), ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::filesystem::path& path = it->path();
    const pid_t other = pid_of(path.filename().string(), prefix);
    if (other == 0 || other == pid) continue;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != uid) continue;
    if (!process_gone(other)) continue;
    std::error_code remove_ec;
    std::filesystem::remove_all(path, remove_ec);
    if (!remove_ec) removed.push_back(path);
  }
  return removed;
}

}  // namespace nmtd::front
