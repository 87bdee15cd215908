// The parser on hand-written reports: every field, every form of backtrace_symbols_fd line,
// and damaged input.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "common/error.h"
#include "crash/reader/crash_report.h"

namespace nmtd::crash {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// The layout crash_reporter.cc writes, with a multi-line exception message, a program name
// with spaces, and each kind of symbolized line.
constexpr std::string_view kReport =
    "\n=== nmtd crash report ===\n"
    "program: nmtd worker x  version: 0.1.0  build-id: 0123456789abcdef0123\n"
    "signal: 11 (SIGSEGV) code: 2 fault address: 0x7f00dead\n"
    "pid: 4242  thread: 4250 (batch (2))\n"
    "time: 1764000000 (unix seconds)\n"
    "uncaught exception: std::logic_error: first line\n"
    "second line\n"
    "requests in flight (2):\n"
    "  req-1\n"
    "  req 2 with spaces\n"
    "stack (6 frames):\n"
    "  #0 0x55550000a123\n"
    "  #1 0x7f0000029d90\n"
    "  #2 0x55550000b456\n"
    "  #3 0x401234\n"
    "  #4 0x7f000002a000\n"
    "  #5 0xdeadbeef\n"
    "symbolized:\n"
    "/opt/nmtd/bin/nmtd(+0xa123)[0x55550000a123]\n"
    "/lib/x86_64-linux-gnu/libc.so.6(+0x29d90)[0x7f0000029d90]\n"
    "/opt/nmtd/bin/nmtd(_ZN4nmtd3fooEv+0x16)[0x55550000b456]\n"
    "./old-static-nmtd[0x401234]\n"
    "/lib/x86_64-linux-gnu/libc.so.6(__libc_start_main+0x80) [0x7f000002a000]\n"
    "[0xdeadbeef]\n"
    "=== end of crash report ===\n";

TEST(ParseCrashReport, ReadsEveryField) {
  const CrashReport r = parse_crash_report(kReport);
  EXPECT_TRUE(r.complete) << ::testing::PrintToString(r.problems);
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.raw, kReport);
  EXPECT_EQ(r.program, "nmtd worker x");
  EXPECT_EQ(r.version, "0.1.0");
  EXPECT_EQ(r.build_id, "0123456789abcdef0123");
  EXPECT_EQ(r.signal, 11);
  EXPECT_EQ(r.signal_name, "SIGSEGV");
  EXPECT_EQ(r.signal_code, 2);
  EXPECT_EQ(r.fault_address, 0x7f00deadu);
  EXPECT_EQ(r.pid, 4242);
  EXPECT_EQ(r.thread_id, 4250);
  EXPECT_EQ(r.thread_name, "batch (2)");
  EXPECT_EQ(r.time, 1764000000);
  EXPECT_EQ(r.uncaught_exception, "uncaught exception: std::logic_error: first line\nsecond line");
  EXPECT_EQ(r.in_flight_count, 2u);
  EXPECT_THAT(r.in_flight, ElementsAre("req-1", "req 2 with spaces"));
  ASSERT_EQ(r.frames.size(), 6u);

  EXPECT_EQ(r.frames[0].module, "/opt/nmtd/bin/nmtd");  // PIE, no exported symbol
  EXPECT_EQ(r.frames[0].module_offset, 0xa123u);
  EXPECT_EQ(r.frames[1].module, "/lib/x86_64-linux-gnu/libc.so.6");
  EXPECT_EQ(r.frames[1].module_offset, 0x29d90u);
  // Named by an exported symbol: its offset follows from frame #0's load bias.
  EXPECT_EQ(r.frames[2].dynamic_symbol, "_ZN4nmtd3fooEv");
  EXPECT_EQ(r.frames[2].dynamic_symbol_offset, 0x16);
  EXPECT_EQ(r.frames[2].module_offset, 0xb456u);
  // A non-PIE program: loaded where it was linked, the address is the offset.
  EXPECT_EQ(r.frames[3].module, "./old-static-nmtd");
  EXPECT_EQ(r.frames[3].module_offset, 0x401234u);
  // Older glibc put a space before the address; libc's bias is known from frame #1.
  EXPECT_EQ(r.frames[4].dynamic_symbol, "__libc_start_main");
  EXPECT_EQ(r.frames[4].module_offset, 0x2a000u);
  EXPECT_EQ(r.frames[5].module, "");  // dladdr knew nothing
  EXPECT_FALSE(r.frames[5].module_offset);
  EXPECT_EQ(r.frames[5].address, 0xdeadbeefu);
}

TEST(ParseCrashReport, SentSignalHasNoFaultAddress) {
  const CrashReport r = parse_crash_report(
      "=== nmtd crash report ===\n"
      "signal: 6 (SIGABRT) code: -6 fault address: 0x0 (none: sent by pid 77)\n");
  EXPECT_EQ(r.signal, 6);
  EXPECT_EQ(r.signal_code, -6);
  EXPECT_FALSE(r.fault_address);
  EXPECT_EQ(r.sender_pid, 77);
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(r.truncated);
}

TEST(ParseCrashReport, CutLastLineIsIgnoredNotMisread) {
  std::string text(kReport.substr(0, kReport.find("  #3 0x401234") + 9));  // "  #3 0x40"
  const CrashReport r = parse_crash_report(text);
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(r.truncated);
  EXPECT_EQ(r.frames.size(), 3u);  // #3 would have read 0x40
  EXPECT_THAT(r.problems, ::testing::Contains(HasSubstr("cut short")));
  EXPECT_THAT(r.problems, ::testing::Contains(HasSubstr("no end marker")));
  EXPECT_EQ(r.program, "nmtd worker x");
  EXPECT_THAT(format_report(r), HasSubstr("the report is truncated:"));
}

TEST(ParseCrashReport, EveryPrefixIsReadWithoutThrowing) {
  for (std::size_t cut = 0; cut < kReport.size(); ++cut) {
    const CrashReport r = parse_crash_report(kReport.substr(0, cut));
    EXPECT_FALSE(r.complete) << cut;
    ASSERT_LE(r.frames.size(), 6u);
    EXPECT_NO_THROW((void)to_json(r).dump()) << cut;
  }
}

TEST(ParseCrashReport, GarbageNeverThrowsAndIsNeverComplete) {
  EXPECT_FALSE(parse_crash_report("").complete);
  EXPECT_FALSE(parse_crash_report("\n\n\n").complete);
  EXPECT_FALSE(parse_crash_report("stack (99999999999999999999999 frames):\n").complete);
  std::mt19937 random(12345);
  for (int round = 0; round < 500; ++round) {
    std::string text(kReport);
    // Overwrite a few bytes with anything, NULs and invalid UTF-8 included.
    for (int k = 0; k < 1 + round % 7; ++k) {
      text[random() % text.size()] = static_cast<char>(random() % 256);
    }
    const CrashReport r = parse_crash_report(text);
    EXPECT_LE(r.frames.size(), 6u);
    EXPECT_LE(r.problems.size(), 32u);
    EXPECT_NO_THROW((void)to_json(r).dump()) << round;
    EXPECT_FALSE(format_report(r).empty());
  }
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(random() % 256);
  const CrashReport r = parse_crash_report(noise);
  EXPECT_FALSE(r.complete);
  EXPECT_NO_THROW((void)to_json(r).dump());
}

TEST(ParseCrashReport, MismatchedSymbolizedLinesAreFoundByAddress) {
  std::string text(kReport);
  // Lose frame #1's symbolized line: the others still find theirs.
  text.erase(
      text.find("/lib/x86_64-linux-gnu/libc.so.6(+0x29d90)"),
      std::string_view("/lib/x86_64-linux-gnu/libc.so.6(+0x29d90)[0x7f0000029d90]\n").size());
  const CrashReport r = parse_crash_report(text);
  EXPECT_FALSE(r.complete);
  ASSERT_EQ(r.frames.size(), 6u);
  EXPECT_EQ(r.frames[1].module, "");
  EXPECT_EQ(r.frames[2].module_offset, 0xb456u);
  EXPECT_EQ(r.frames[3].module_offset, 0x401234u);
  EXPECT_THAT(r.problems, ::testing::Contains(HasSubstr("no symbolized line for frame #1")));
}

TEST(ParseCrashReport, ASecondReportIsNotMixedIn) {
  std::string text(kReport.substr(0, kReport.find("stack (")));
  text += "=== nmtd crash report ===\nsignal: 6 (SIGABRT) code: 0 fault address: 0x1\n";
  const CrashReport r = parse_crash_report(text);
  EXPECT_EQ(r.signal_name, "SIGSEGV");
  EXPECT_TRUE(r.truncated);
  EXPECT_THAT(r.problems, ::testing::Contains(HasSubstr("a second report start marker")));
}

TEST(ParseCrashReport, ReadCrashReportReadsAFile) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("nmtd-parse-" + std::to_string(::getpid()));
  std::ofstream(path) << kReport;
  const CrashReport r = read_crash_report(path);
  std::filesystem::remove(path);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.raw, kReport);
}

TEST(ParseCrashReport, ReadCrashReportNamesTheMissingFile) {
  try {
    read_crash_report("/nonexistent/crash-1.txt");
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr("/nonexistent/crash-1.txt"));
  }
}

}  // namespace
}  // namespace nmtd::crash
