#include "crash/crash_reporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "crash/terminate_handler.h"

namespace nmtd::crash {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::KilledBySignal;
using ::testing::MatchesRegex;
using ::testing::Not;

// The faults below must reach the CPU: the sanitizers would otherwise report (and exit on)
// the null write or the division by zero before any signal happens. No ASAN_OPTIONS are needed
// in sanitizer builds: ASan installs its SIGSEGV/SIGBUS/SIGFPE handlers at start-up, and the
// CrashReporter's sigaction replaces them (allow_user_segv_handler defaults to 1), so these
// tests check our report in both builds rather than ASan's.
#define NMTD_REAL_FAULT __attribute__((noinline, no_sanitize("address", "undefined")))

NMTD_REAL_FAULT void write_to_null() {
  volatile int* volatile nowhere = nullptr;
  *nowhere = 42;
}

NMTD_REAL_FAULT void divide_by_zero() {
  volatile int zero = 0;
  volatile int one = 1;
  volatile int quotient = one / zero;  // stored: an unused quotient would be optimized away
  (void)quotient;
}

// Recurses until the stack runs out (*stop is never reached; read through a pointer to a
// volatile so that the compiler can neither see that nor turn this into a loop).
NMTD_REAL_FAULT int recurse(int depth, const volatile int* stop) {
  volatile char pad[512];
  pad[0] = static_cast<char>(depth);
  if (depth == *stop) return 0;
  return recurse(depth + 1, stop) + pad[0];
}

// Each test has its own report directory. Death tests run "threadsafe": the child re-executes
// this program and runs the test again from the start, so the parent passes the directory it
// made to the child through the environment, and reads the child's report when it is dead.
class CrashReporterTest : public ::testing::Test {
 protected:
  static constexpr const char* kDirVariable = "NMTD_CRASH_TEST_DIR";

  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    if (const char* inherited = std::getenv(kDirVariable)) {  // a death test's child
      dir_ = inherited;
      return;
    }
    std::string pattern = (fs::temp_directory_path() / "nmtd-crash-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ::setenv(kDirVariable, dir_.c_str(), 1);
    owner_ = true;
  }

  void TearDown() override {
    if (!owner_) return;
    ::unsetenv(kDirVariable);
    fs::remove_all(dir_);
  }

  CrashReporterConfig config(const InFlightRing* ring = nullptr) const {
    CrashReporterConfig c;
    c.report_dir = dir_;
    c.program = "nmtd test";
    c.version = "1.2.3-test";
    c.in_flight = ring;
    return c;
  }

  // The one crash report in the directory ("" and a failure if there is not exactly one).
  std::string report() const {
    std::vector<fs::path> reports;
    for (const auto& entry : fs::directory_iterator(dir_)) reports.push_back(entry.path());
    EXPECT_EQ(reports.size(), 1u);
    if (reports.size() != 1) return "";
    EXPECT_THAT(reports[0].filename().string(), MatchesRegex("crash-[0-9]+\\.txt"));
    // Reports hold request ids and error texts: the owner's alone.
    EXPECT_EQ(fs::status(reports[0]).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    std::ifstream in(reports[0]);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  bool dir_is_empty() const { return fs::is_empty(dir_); }

  fs::path dir_;
  bool owner_ = false;
};

// How many lines of `text` match `pattern` entirely (gtest's POSIX regex: std::regex trips a
// false -Wmaybe-uninitialized in GCC 12 sanitizer builds).
std::size_t count_lines(const std::string& text, const char* pattern) {
  std::size_t count = 0;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (::testing::Matches(MatchesRegex(pattern))(line)) ++count;
  }
  return count;
}

TEST_F(CrashReporterTest, SegvReportHasSignalStackBuildIdAndRequestsInFlight) {
  EXPECT_EXIT(
      {
        InFlightRing ring(8);
        ring.begin("req-17");
        const auto done = ring.begin("req-done");
        ring.begin("req-18");
        ring.end(done);
        CrashReporter reporter(config(&ring));
        write_to_null();
      },
      KilledBySignal(SIGSEGV), "=== nmtd crash report ===.*SIGSEGV.*=== end of crash report ===");
  const std::string r = report();
  EXPECT_THAT(r, HasSubstr("=== nmtd crash report ==="));
  EXPECT_THAT(r, HasSubstr("program: nmtd test  version: 1.2.3-test  build-id: "));
  EXPECT_EQ(count_lines(r, ".* build-id: [0-9a-f]{8,}"), 1u) << r;
  EXPECT_THAT(r, HasSubstr("signal: 11 (SIGSEGV) code: 1 fault address: 0x0\n"));
  EXPECT_THAT(r, HasSubstr("requests in flight (2):\n"));
  EXPECT_THAT(r, HasSubstr("\n  req-17\n"));
  EXPECT_THAT(r, HasSubstr("\n  req-18\n"));
  EXPECT_THAT(r, Not(HasSubstr("req-done")));
  EXPECT_GE(count_lines(r, "  #[0-9]+ 0x[0-9a-f]+"), 3u) << r;
  EXPECT_THAT(r, HasSubstr("=== end of crash report ===\n"));
  EXPECT_THAT(r, Not(HasSubstr("uncaught exception")));
}

TEST_F(CrashReporterTest, AbortIsReported) {
  EXPECT_EXIT(
      {
        CrashReporter reporter(config());
        std::abort();
      },
      KilledBySignal(SIGABRT), "SIGABRT");
  const std::string r = report();
  EXPECT_THAT(r, HasSubstr("signal: 6 (SIGABRT)"));
  EXPECT_THAT(r, HasSubstr("fault address: 0x0 (none: sent by pid "));
  EXPECT_THAT(r, HasSubstr("=== end of crash report ===\n"));
}

TEST_F(CrashReporterTest, DivisionByZeroIsReported) {
  EXPECT_EXIT(
      {
        CrashReporter reporter(config());
        divide_by_zero();
      },
      KilledBySignal(SIGFPE), "SIGFPE");
  EXPECT_THAT(report(), HasSubstr("signal: 8 (SIGFPE)"));
}

TEST_F(CrashReporterTest, BusErrorAndIllegalInstructionAreReportedByName) {
  struct Case {
    int sig;
    const char* line;   // in the report
    const char* regex;  // the same, for stderr
  };
  for (const Case& c : {Case{SIGBUS, "signal: 7 (SIGBUS)", "signal: 7 \\(SIGBUS\\)"},
                        Case{SIGILL, "signal: 4 (SIGILL)", "signal: 4 \\(SIGILL\\)"}}) {
    EXPECT_EXIT(
        {
          CrashReporter reporter(config());
          ::raise(c.sig);
        },
        KilledBySignal(c.sig), c.regex);
    EXPECT_THAT(report(), HasSubstr(c.line));
    for (const auto& entry : fs::directory_iterator(dir_)) fs::remove(entry.path());
  }
}

TEST_F(CrashReporterTest, UncaughtExceptionIsNamedInTheReport) {
  EXPECT_EXIT(
      {
        CrashReporter reporter(config());
        install_terminate_handler();
        std::thread([] { throw std::runtime_error("boom-42"); }).join();
      },
      KilledBySignal(SIGABRT), "uncaught exception: std::runtime_error: boom-42");
  const std::string r = report();
  EXPECT_THAT(r, HasSubstr("\nuncaught exception: std::runtime_error: boom-42\n"));
  EXPECT_THAT(r, HasSubstr("SIGABRT"));
}

TEST_F(CrashReporterTest, TerminateWithoutReporterOrExceptionStillSaysWhy) {
  EXPECT_EXIT(
      {
        install_terminate_handler();
        std::terminate();
      },
      KilledBySignal(SIGABRT), "terminate called without an active exception");
  EXPECT_TRUE(dir_is_empty());
}

TEST_F(CrashReporterTest, CrashOnAnotherThreadNamesThatThread) {
  EXPECT_EXIT(
      {
        CrashReporter reporter(config());
        std::thread([] {
          pthread_setname_np(pthread_self(), "crasher");
          AltStackScope alt_stack;
          write_to_null();
        }).join();
      },
      KilledBySignal(SIGSEGV), "SIGSEGV");
  const std::string r = report();
  EXPECT_EQ(count_lines(r, "pid: [0-9]+  thread: [0-9]+ \\(crasher\\)"), 1u) << r;
  EXPECT_GE(count_lines(r, "  #[0-9]+ 0x[0-9a-f]+"), 3u) << r;
}

TEST_F(CrashReporterTest, StackOverflowIsReportedOnTheMainThread) {
  EXPECT_EXIT(
      {
        CrashReporter reporter(config());
        const volatile int never = -1;
        recurse(0, &never);
      },
      KilledBySignal(SIGSEGV), "SIGSEGV");
  const std::string r = report();
  EXPECT_THAT(r, HasSubstr("(SIGSEGV)"));
  EXPECT_THAT(r, HasSubstr("=== end of crash report ===\n"));
}

TEST_F(CrashReporterTest, StackOverflowIsReportedOnAThreadWithAnAltStack) {
  EXPECT_EXIT(
      {
        CrashReporter reporter(config());
        std::thread([] {
          AltStackScope alt_stack;
          const volatile int never = -1;
          recurse(0, &never);
        }).join();
      },
      KilledBySignal(SIGSEGV), "SIGSEGV");
  EXPECT_THAT(report(), HasSubstr("=== end of crash report ===\n"));
}

TEST_F(CrashReporterTest, WithoutReportDirTheReportGoesToStderrOnly) {
  EXPECT_EXIT(
      {
        CrashReporterConfig c = config();
        c.report_dir.clear();
        c.also_stderr = false;  // ignored: stderr is the only place left
        CrashReporter reporter(c);
        if (!reporter.report_path().empty()) std::_Exit(3);
        write_to_null();
      },
      KilledBySignal(SIGSEGV),
      "=== nmtd crash report ===.*version: 1.2.3-test.*SIGSEGV.*#0 0x.*=== end of crash report");
  EXPECT_TRUE(dir_is_empty());
}

TEST_F(CrashReporterTest, ReporterDestroyedWithoutACrashLeavesNoFile) {
  fs::path path;
  {
    CrashReporter reporter(config());
    path = reporter.report_path();
    EXPECT_EQ(path, dir_ / ("crash-" + std::to_string(::getpid()) + ".txt"));
    // Created at crash time only: a process killed by SIGKILL leaves no empty report behind.
    EXPECT_FALSE(fs::exists(path));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(dir_is_empty());
}

TEST_F(CrashReporterTest, RestoresThePreviousHandlers) {
  struct sigaction before {};
  ::sigaction(SIGSEGV, nullptr, &before);
  {
    CrashReporter reporter(config());
    struct sigaction during {};
    ::sigaction(SIGSEGV, nullptr, &during);
    EXPECT_NE(during.sa_sigaction, before.sa_sigaction);
    EXPECT_TRUE(during.sa_flags & SA_ONSTACK);
  }
  struct sigaction after {};
  ::sigaction(SIGSEGV, nullptr, &after);
  EXPECT_EQ(after.sa_sigaction, before.sa_sigaction);
  // (Not all flags: the kernel reports SA_RESTORER once glibc has installed any action.)
  const int flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER | SA_RESETHAND;
  EXPECT_EQ(after.sa_flags & flags, before.sa_flags & flags);
}

TEST_F(CrashReporterTest, OnlyOneReporterAtATime) {
  {
    CrashReporter first(config());
    EXPECT_THROW(CrashReporter second(config()), nmtd::Error);
    EXPECT_FALSE(fs::exists(first.report_path()));  // the refused one did not create it
  }
  EXPECT_NO_THROW(CrashReporter again(config()));
}

TEST_F(CrashReporterTest, UncreatableReportFileThrowsIoError) {
  CrashReporterConfig c = config();
  c.report_dir = dir_ / "does-not-exist";
  EXPECT_THROW(CrashReporter reporter(c), nmtd::IoError);
  EXPECT_NO_THROW(CrashReporter again(config()));  // the failed one is not left active
}

}  // namespace
}  // namespace nmtd::crash
