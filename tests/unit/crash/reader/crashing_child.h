#pragma once
// Real crash reports for the reader's tests: a death-test child constructs a CrashReporter and
// dies, the parent reads what it wrote.
//
// Death tests run "threadsafe": the child re-executes this program and runs the test again
// from the start, so the parent passes the directory it made to the child through the
// environment (as tests/unit/crash does).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "crash/crash_reporter.h"
#include "crash/reader/crash_report.h"
#include "crash/terminate_handler.h"

namespace nmtd::crash::testing {

class CrashingChildTest : public ::testing::Test {
 protected:
  static constexpr const char* kDirVariable = "NMTD_CRASH_READER_TEST_DIR";

  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    if (const char* inherited = std::getenv(kDirVariable)) {  // a death test's child
      dir_ = inherited;
      return;
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "nmtd-reader-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    ::setenv(kDirVariable, dir_.c_str(), 1);
    owner_ = true;
  }

  void TearDown() override {
    if (!owner_) return;
    ::unsetenv(kDirVariable);
    std::filesystem::remove_all(dir_);
  }

  CrashReporterConfig config(const InFlightRing* ring = nullptr) const {
    CrashReporterConfig c;
    c.report_dir = dir_;
    c.program = "nmtd reader-test";
    c.version = "9.8.7-test";
    c.in_flight = ring;
    c.also_stderr = false;  // keeps the test log short; the file is what is read
    return c;
  }

  // The one report the child left (removed, so that the next crash of the test has its own),
  // as text; "" and a failure when there is not exactly one.
  std::string take_report_text() const;

  std::filesystem::path dir_;
  bool owner_ = false;
};

// Whether `file` has DWARF line tables (.debug_line): Release builds have none, so source
// lines can only be expected from RelWithDebInfo and Debug builds.
bool has_line_tables(const std::filesystem::path& file);

// The first frame whose function name contains `name`, or nullptr.
const CrashFrame* find_function(const CrashReport& report, std::string_view name);

}  // namespace nmtd::crash::testing
