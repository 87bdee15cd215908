#include "common/child_process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

namespace nmtd {
namespace {

using namespace std::chrono_literals;

TEST(ChildProcess, ReportsExitStatusAndSignals) {
  auto ok = ChildProcess::spawn("/bin/sh", {"-c", "exit 3"});
  EXPECT_EQ(ok.wait().describe(), "exited with status 3");
  auto sleeper = ChildProcess::spawn("/bin/sleep", {"30"});
  EXPECT_TRUE(sleeper.running());
  EXPECT_FALSE(sleeper.poll().has_value());
  sleeper.signal(SIGSEGV);
  const auto& exit = sleeper.wait();
  EXPECT_TRUE(exit.signaled);
  EXPECT_EQ(exit.code, SIGSEGV);
  EXPECT_EQ(ChildProcess::spawn("/nonexistent/binary", {}).wait().code, 127);
}

TEST(ChildProcess, DestructorKillsAndReapsARunningChild) {
  pid_t pid = 0;
  {
    auto child = ChildProcess::spawn("/bin/sleep", {"30"});
    pid = child.pid();
  }
  EXPECT_NE(::kill(pid, 0), 0);  // gone and reaped: not even a zombie
}

TEST(ChildProcess, ChildGetsItsOwnProcessGroup) {
  auto child = ChildProcess::spawn("/bin/sleep", {"30"});
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(::getpgid(child.pid()), child.pid());
}

}  // namespace
}  // namespace nmtd
