// A front killed by SIGKILL leaves its runtime directory (the workers' sockets) behind; the
// next front removes those of dead fronts of its user, and nothing else.
#include "front/runtime_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>

#include "unit/engine/model/model_test_util.h"

namespace nmtd::front {
namespace {

namespace fs = std::filesystem;

// Above any pid_max the kernel allows (2^22): no process has it.
constexpr pid_t kDeadPid = 0x3fffff00;

TEST(RuntimeDir, StaleDirectoriesOfDeadFrontsAreRemoved) {
  TempDir parent;
  const uid_t uid = ::getuid();
  const std::string prefix = "nmtd-" + std::to_string(uid) + "-";
  const fs::path own = parent.path() / (prefix + std::to_string(::getpid()));
  const fs::path dead = parent.path() / (prefix + std::to_string(kDeadPid));
  const fs::path alive = parent.path() / (prefix + std::to_string(::getppid()));
  const fs::path not_ours =
      parent.path() / ("nmtd-" + std::to_string(uid + 1) + "-1-" + std::to_string(kDeadPid));
  const fs::path other_name = parent.path() / ("other-" + std::to_string(kDeadPid));
  const fs::path a_file = parent.path() / (prefix + std::to_string(kDeadPid + 1));
  const fs::path a_link = parent.path() / (prefix + std::to_string(kDeadPid + 2));
  for (const auto& d : {dead, alive, not_ours, other_name}) fs::create_directories(d);
  std::ofstream(dead / "worker-0.sock") << "";
  std::ofstream(a_file) << "";
  fs::create_directory_symlink(alive, a_link);

  const RuntimeDir runtime(own);
  EXPECT_EQ((fs::status(own).permissions() & fs::perms::all), fs::perms::owner_all);
  const auto removed = remove_stale_runtime_dirs(own, ::getpid(), uid);
  EXPECT_EQ(removed, std::vector<fs::path>{dead});
  EXPECT_FALSE(fs::exists(dead));
  for (const auto& kept : {own, alive, not_ours, other_name, a_file})
    EXPECT_TRUE(fs::exists(kept)) << kept;
  EXPECT_TRUE(fs::is_symlink(a_link));
}

TEST(RuntimeDir, DirectoriesOfAnotherUserAreKept) {
  if (::getuid() != 0) GTEST_SKIP() << "needs root to make a directory another user owns";
  TempDir parent;
  const fs::path own = parent.path() / ("nmtd-" + std::to_string(::getpid()));
  const fs::path theirs = parent.path() / ("nmtd-" + std::to_string(kDeadPid));
  fs::create_directories(theirs);
  ASSERT_EQ(::chown(theirs.c_str(), 12345, 12345), 0);
  EXPECT_TRUE(remove_stale_runtime_dirs(own, ::getpid(), 0).empty());
  EXPECT_TRUE(fs::exists(theirs));
}

TEST(RuntimeDir, AConfiguredDirectoryHasNoSiblingsToRemove) {
  TempDir parent;
  const fs::path dead = parent.path() / ("nmtd-" + std::to_string(kDeadPid));
  fs::create_directories(dead);
  EXPECT_TRUE(remove_stale_runtime_dirs(parent.path() / "sockets", ::getpid(), ::getuid()).empty());
  EXPECT_TRUE(fs::exists(dead));
}

}  // namespace
}  // namespace nmtd::front
