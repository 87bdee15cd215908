#include "rpc/abseil_runtime.h"

#include <absl/synchronization/mutex.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

namespace nmtd::rpc {
namespace {

// a before b, then b before a, on one thread: no deadlock can happen here, but it is the
// pattern Abseil's debug detector reports as a potential one.
void invert_lock_order() {
  absl::Mutex a;
  absl::Mutex b;
  {
    absl::MutexLock hold_a(&a);
    absl::MutexLock hold_b(&b);
  }
  {
    absl::MutexLock hold_b(&b);
    absl::MutexLock hold_a(&a);
  }
}

TEST(AbseilRuntime, WithoutTheDetectorALockOrderInversionRunsOn) {
  EXPECT_EXIT(
      {
        disable_mutex_deadlock_detection();
        invert_lock_order();
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "");
}

// Why the setting exists: Debian's Abseil is a debug build, in which the detector is on and
// kills the process. With a release build of Abseil the detector is compiled out and there
// is nothing to turn off.
TEST(AbseilRuntime, DebiansAbseilAbortsOnALockOrderInversionByDefault) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(STDERR_FILENO);  // the detector's report is not this test's output
    invert_lock_order();
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    GTEST_SKIP() << "this Abseil is a release build: no deadlock detector to turn off";
  ASSERT_TRUE(WIFSIGNALED(status)) << "status " << status;
  EXPECT_EQ(WTERMSIG(status), SIGABRT);
}

}  // namespace
}  // namespace nmtd::rpc
