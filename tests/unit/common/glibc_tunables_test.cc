#include "common/glibc_tunables.h"

#include <gtest/gtest.h>

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
