#include "common/glibc_tunables.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace nmtd {
namespace {

TEST(GlibcTunables, AddsTheTunableToNoneOrToTheUsersOwn) {
  EXPECT_EQ(with_glibc_tunable("", "glibc.malloc.tcache_count=0"), "glibc.malloc.tcache_count=0");
  EXPECT_EQ(with_glibc_tunable("glibc.malloc.arena_max=2", "glibc.malloc.tcache_count=0"),
            "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0");
  EXPECT_EQ(with_glibc_tunable("glibc.malloc.arena_max=2:glibc.malloc.mxfast=0",
                               "glibc.malloc.tcache_count=0"),
            "glibc.malloc.arena_max=2:glibc.malloc.mxfast=0:glibc.malloc.tcache_count=0");
}

TEST(GlibcTunables, TheUsersValueForTheSameNameWins) {
  EXPECT_EQ(with_glibc_tunable("glibc.malloc.tcache_count=7", "glibc.malloc.tcache_count=0"),
            "glibc.malloc.tcache_count=7");
  EXPECT_EQ(with_glibc_tunable("glibc.malloc.arena_max=1:glibc.malloc.tcache_count=3",
                               "glibc.malloc.tcache_count=0"),
            "glibc.malloc.arena_max=1:glibc.malloc.tcache_count=3");
}

TEST(GlibcTunables, ANameThatOnlyStartsTheSameIsAnotherName) {
  EXPECT_EQ(with_glibc_tunable("glibc.malloc.tcache_count_max=1", "glibc.malloc.tcache_count=0"),
            "glibc.malloc.tcache_count_max=1:glibc.malloc.tcache_count=0");
  EXPECT_EQ(with_glibc_tunable("glibc.malloc.tcache", "glibc.malloc.tcache_count=0"),
            "glibc.malloc.tcache:glibc.malloc.tcache_count=0");
}

TEST(GlibcTunables, RunsAgainOnlyWhenNothingElseDecidedAboutMalloc) {
  constexpr const char* kTcache = "glibc.malloc.tcache_count=0";
  EXPECT_EQ(decide_tunable_reexec(kTcache, nullptr, nullptr, true), TunableReexec::wanted);
  EXPECT_EQ(decide_tunable_reexec(kTcache, nullptr, "glibc.malloc.arena_max=2", true),
            TunableReexec::wanted);
  EXPECT_EQ(decide_tunable_reexec(kTcache, "unset", nullptr, true),
            TunableReexec::already_reexecuted);
  EXPECT_EQ(decide_tunable_reexec(kTcache, nullptr, "glibc.malloc.tcache_count=7", true),
            TunableReexec::set_by_user);
  // The user's own value wins over an interposed malloc: nothing to run again for or to say.
  EXPECT_EQ(decide_tunable_reexec(kTcache, nullptr, "glibc.malloc.tcache_count=0", false),
            TunableReexec::set_by_user);
  EXPECT_EQ(decide_tunable_reexec(kTcache, nullptr, nullptr, false),
            TunableReexec::malloc_interposed);
}

TEST(GlibcTunables, SeesWhetherMallocIsTheCLibrarysOwn) {
  // This test binary's malloc is glibc's, unless it runs under a sanitizer or a preloaded
  // allocator, which interpose their own.
#if defined(__SANITIZE_ADDRESS__)
  EXPECT_FALSE(malloc_is_glibcs());
#else
  if (std::getenv("LD_PRELOAD") != nullptr) GTEST_SKIP() << "LD_PRELOAD is set";
  EXPECT_TRUE(malloc_is_glibcs());
#endif
}

TEST(GlibcTunables, RestoringOutsideAReexecutionChangesNothing) {
  ::unsetenv("NMTD_INHERITED_GLIBC_TUNABLES");
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=4", 1);
  restore_inherited_glibc_tunables();
  ASSERT_NE(std::getenv("GLIBC_TUNABLES"), nullptr);
  EXPECT_STREQ(std::getenv("GLIBC_TUNABLES"), "glibc.malloc.arena_max=4");
  ::unsetenv("GLIBC_TUNABLES");
}

TEST(GlibcTunables, RestoringPutsBackWhatWasInheritedOrNothing) {
  ::setenv("NMTD_INHERITED_GLIBC_TUNABLES", "set:glibc.malloc.arena_max=2", 1);
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.arena_max=2:glibc.malloc.tcache_count=0", 1);
  restore_inherited_glibc_tunables();
  EXPECT_STREQ(std::getenv("GLIBC_TUNABLES"), "glibc.malloc.arena_max=2");
  EXPECT_EQ(std::getenv("NMTD_INHERITED_GLIBC_TUNABLES"), nullptr);

  ::setenv("NMTD_INHERITED_GLIBC_TUNABLES", "unset", 1);
  ::setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
  restore_inherited_glibc_tunables();
  EXPECT_EQ(std::getenv("GLIBC_TUNABLES"), nullptr);
  EXPECT_EQ(std::getenv("NMTD_INHERITED_GLIBC_TUNABLES"), nullptr);
}

}  // namespace
}  // namespace nmtd
