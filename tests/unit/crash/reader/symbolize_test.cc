// Real reports from crashed children, read back and symbolized against this very program.
#include <pthread.h>
#include <signal.h>

#include <cstdlib>
#include <stdexcept>

#include "crash/in_flight_ring.h"
#include "crashing_child.h"

namespace nmtd::crash::testing {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::KilledBySignal;
using ::testing::Not;

// Distinctive names the symbolizer must find. noipa: never inlined, cloned or merged, so each
// keeps its own symbol. No sanitizers inside: the faults must reach the CPU (as in
// tests/unit/crash: the CrashReporter's handlers replace ASan's, so no ASAN_OPTIONS needed).
#define READER_TEST_CRASH __attribute__((noipa, no_sanitize("address", "undefined")))

constexpr int kNullWriteLine = __LINE__ + 4;
READER_TEST_CRASH void crash_reader_test_null_write() {
  volatile int* volatile nowhere = nullptr;
  // The faulting store: the line the report must point at (kNullWriteLine).
  *nowhere = 42;
}

READER_TEST_CRASH void crash_reader_test_abort() { std::abort(); }

READER_TEST_CRASH void crash_reader_test_throw() { throw std::runtime_error("reader-boom-7"); }

// An exception leaving a noexcept function calls std::terminate right there, keeping this
// frame on the stack (the death test's own try/catch never sees it).
READER_TEST_CRASH void crash_reader_test_noexcept() noexcept { crash_reader_test_throw(); }

const std::filesystem::path kSelf = "/proc/self/exe";

class SymbolizeTest : public CrashingChildTest {
 protected:
  CrashReport segv_report() {
    EXPECT_EXIT(
        {
          InFlightRing ring(4);
          ring.begin("req-alpha");
          ring.begin("req-beta");
          CrashReporter reporter(config(&ring));
          pthread_setname_np(pthread_self(), "reader-crasher");
          crash_reader_test_null_write();
        },
        KilledBySignal(SIGSEGV), "");
    return parse_crash_report(take_report_text());
  }
};

TEST_F(SymbolizeTest, SegvReportParsesCompletely) {
  const CrashReport r = segv_report();
  EXPECT_TRUE(r.complete) << ::testing::PrintToString(r.problems) << r.raw;
  EXPECT_FALSE(r.truncated);
  EXPECT_EQ(r.program, "nmtd reader-test");
  EXPECT_EQ(r.version, "9.8.7-test");
  EXPECT_THAT(r.build_id, ::testing::MatchesRegex("[0-9a-f]{16,}"));
  EXPECT_EQ(r.signal, SIGSEGV);
  EXPECT_EQ(r.signal_name, "SIGSEGV");
  EXPECT_EQ(r.signal_code, 1);  // SEGV_MAPERR
  EXPECT_EQ(r.fault_address, 0u);
  EXPECT_FALSE(r.sender_pid);
  EXPECT_TRUE(r.pid && *r.pid > 0);
  EXPECT_TRUE(r.thread_id && *r.thread_id > 0);
  EXPECT_EQ(r.thread_name, "reader-crasher");
  EXPECT_TRUE(r.time && *r.time > 1'600'000'000);
  EXPECT_EQ(r.in_flight, (std::vector<std::string>{"req-alpha", "req-beta"}));
  EXPECT_TRUE(r.uncaught_exception.empty());
  ASSERT_TRUE(r.frame_count);
  EXPECT_EQ(*r.frame_count, r.frames.size());
  EXPECT_GE(r.frames.size(), 4u);
  for (const CrashFrame& f : r.frames) {
    EXPECT_FALSE(f.module.empty()) << f.index;
    EXPECT_TRUE(f.module_offset || !f.dynamic_symbol.empty()) << f.index;
  }
}

TEST_F(SymbolizeTest, SegvFrameNamesTheFunctionAndLine) {
  CrashReport r = segv_report();
  symbolize(r, kSelf);
  EXPECT_TRUE(r.symbolization.build_id_matches) << r.symbolization.note;
  EXPECT_EQ(r.symbolization.executable_build_id, r.build_id);
  const CrashFrame* crashed = find_function(r, "crash_reader_test_null_write");
  ASSERT_NE(crashed, nullptr) << format_report(r);
  EXPECT_TRUE(crashed->in_executable);
  EXPECT_FALSE(crashed->in_crash_handler);
  EXPECT_EQ(culprit_frame(r), crashed) << format_report(r);
  // The reporter's own frames come first and are marked as such.
  EXPECT_TRUE(r.frames.front().in_crash_handler) << format_report(r);
  // The signal trampoline is named although its address is no return address.
  const CrashFrame* handler = find_function(r, "on_fatal_signal");
  ASSERT_NE(handler, nullptr);
  const CrashFrame& trampoline = *(handler + 1);
  EXPECT_TRUE(trampoline.in_crash_handler);
  EXPECT_TRUE(trampoline.symbolized) << format_report(r);
  EXPECT_EQ(&trampoline + 1, crashed);
  if (has_line_tables(kSelf)) {
    EXPECT_THAT(crashed->source_file, EndsWith("symbolize_test.cc"));
    EXPECT_EQ(crashed->line, kNullWriteLine) << format_report(r);
  } else {
    EXPECT_EQ(crashed->source_file, "");  // a Release build: names, but no lines to give
  }
  // The caller, through a return address, is the test body.
  EXPECT_NE(find_function(r, "SymbolizeTest_SegvFrameNamesTheFunctionAndLine_Test::TestBody"),
            nullptr)
      << format_report(r);
  const std::string text = format_report(r);
  EXPECT_THAT(text, HasSubstr("crash of nmtd reader-test: SIGSEGV (signal 11, code 1)"));
  EXPECT_THAT(text,
              ::testing::ContainsRegex("crashed in [^\n]*crash_reader_test_null_write\\(\\)\\+0x"));
  EXPECT_THAT(text, HasSubstr("requests in flight (2): req-alpha req-beta"));
  EXPECT_THAT(text, HasSubstr("[crash handler]"));
  const nlohmann::json j = to_json(r);
  EXPECT_EQ(j.at("signal_name"), "SIGSEGV");
  EXPECT_THAT(j.at("crashed_in").get<std::string>(), HasSubstr("crash_reader_test_null_write"));
  EXPECT_EQ(j.at("symbolization").at("build_id_matches"), true);
  EXPECT_EQ(j.at("frames").size(), r.frames.size());
  EXPECT_NO_THROW((void)j.dump());
}

TEST_F(SymbolizeTest, AbortNamesTheCallerOfAbort) {
  EXPECT_EXIT(
      {
        CrashReporter reporter(config());
        crash_reader_test_abort();
      },
      KilledBySignal(SIGABRT), "");
  CrashReport r = parse_crash_report(take_report_text());
  EXPECT_TRUE(r.complete) << ::testing::PrintToString(r.problems);
  EXPECT_EQ(r.signal_name, "SIGABRT");
  EXPECT_FALSE(r.fault_address);
  EXPECT_TRUE(r.sender_pid && *r.sender_pid == *r.pid);  // abort() raises it itself
  symbolize(r, kSelf);
  // abort() does not return: the return address lies past the caller's last instruction,
  // and only looking up the instruction before it names the caller.
  const CrashFrame* caller = find_function(r, "crash_reader_test_abort");
  ASSERT_NE(caller, nullptr) << format_report(r);
  EXPECT_EQ(culprit_frame(r), caller) << format_report(r);
  // libc's frames are named through libc's own symbols.
  EXPECT_NE(find_function(r, "abort"), nullptr) << format_report(r);
}

TEST_F(SymbolizeTest, UncaughtExceptionKeepsItsMessageAndThrowingFunction) {
  EXPECT_EXIT(
      {
        CrashReporter reporter(config());
        install_terminate_handler();
        crash_reader_test_noexcept();
      },
      KilledBySignal(SIGABRT), "");
  CrashReport r = parse_crash_report(take_report_text());
  EXPECT_TRUE(r.complete) << ::testing::PrintToString(r.problems);
  EXPECT_EQ(r.uncaught_exception, "uncaught exception: std::runtime_error: reader-boom-7");
  symbolize(r, kSelf);
  EXPECT_NE(find_function(r, "crash_reader_test_noexcept"), nullptr) << format_report(r);
  EXPECT_THAT(format_report(r),
              HasSubstr("\n  uncaught exception: std::runtime_error: reader-boom-7\n"));
  EXPECT_EQ(to_json(r).at("uncaught_exception"),
            "uncaught exception: std::runtime_error: reader-boom-7");
}

TEST_F(SymbolizeTest, AnotherBuildIsAMismatchAndInventsNoNames) {
  CrashReport r = segv_report();
  symbolize(r, "/bin/true");  // any other ELF: as if the binary had been replaced
  EXPECT_FALSE(r.symbolization.build_id_matches);
  EXPECT_THAT(r.symbolization.note, HasSubstr("the binary was replaced since the crash"));
  EXPECT_EQ(find_function(r, "crash_reader_test"), nullptr) << format_report(r);
  EXPECT_EQ(find_function(r, "on_fatal_signal"), nullptr) << format_report(r);
  std::size_t program_frames = 0;
  for (const CrashFrame& f : r.frames) {
    if (!std::filesystem::equivalent(f.module, kSelf)) continue;  // libraries did not change
    ++program_frames;
    EXPECT_TRUE(f.in_executable) << f.index;
    EXPECT_FALSE(f.symbolized) << f.index << " " << f.function;
    EXPECT_TRUE(f.function.empty()) << f.index;
    EXPECT_THAT(f.note, HasSubstr("does not match")) << f.index;
  }
  EXPECT_GE(program_frames, 3u) << format_report(r);
  EXPECT_THAT(format_report(r), HasSubstr("note: build id of /bin/true is "));
  EXPECT_EQ(to_json(r).at("symbolization").at("build_id_matches"), false);
}

TEST_F(SymbolizeTest, OfSeveralExecutablesTheMatchingOneIsUsed) {
  CrashReport r = segv_report();
  const std::vector<std::filesystem::path> upgraded_then_self = {"/bin/true", kSelf};
  symbolize(r, upgraded_then_self);
  EXPECT_TRUE(r.symbolization.build_id_matches) << r.symbolization.note;
  EXPECT_EQ(r.symbolization.executable, kSelf.string());
  EXPECT_NE(find_function(r, "crash_reader_test_null_write"), nullptr);
  const std::vector<std::filesystem::path> none_matches = {"/bin/true", "/bin/false"};
  symbolize(r, none_matches);
  EXPECT_FALSE(r.symbolization.build_id_matches);
  EXPECT_EQ(r.symbolization.executable, "/bin/true");
  EXPECT_EQ(find_function(r, "crash_reader_test"), nullptr);  // the earlier names are gone
}

TEST_F(SymbolizeTest, UnreadableExecutableLeavesTheProgramsFramesRaw) {
  CrashReport r = segv_report();
  symbolize(r, dir_ / "no-such-program");
  EXPECT_FALSE(r.symbolization.build_id_matches);
  EXPECT_THAT(r.symbolization.note, HasSubstr("no-such-program"));
  EXPECT_EQ(find_function(r, "crash_reader_test"), nullptr);
  EXPECT_FALSE(format_report(r).empty());
}

TEST_F(SymbolizeTest, LibrariesChangedSinceTheCrashAreLeftRaw) {
  CrashReport r = segv_report();
  r.time = 0;  // as if it crashed in 1970: every library on disk changed since
  symbolize(r, kSelf);
  EXPECT_NE(find_function(r, "crash_reader_test_null_write"), nullptr);
  std::size_t library_frames = 0;
  for (const CrashFrame& f : r.frames) {
    if (f.in_executable) continue;
    ++library_frames;
    EXPECT_FALSE(f.symbolized) << f.index << " " << f.function;
    EXPECT_EQ(f.note, "changed after the crash") << f.index;
  }
  EXPECT_GE(library_frames, 1u) << format_report(r);  // at least libc's signal trampoline
}

TEST_F(SymbolizeTest, EveryTruncationOfARealReportIsReadWithoutCrashing) {
  const CrashReport full = segv_report();
  ASSERT_TRUE(full.complete);
  for (std::size_t cut = 0; cut < full.raw.size(); cut += 37) {
    CrashReport r = parse_crash_report(std::string_view(full.raw).substr(0, cut));
    EXPECT_FALSE(r.complete) << cut;
    EXPECT_TRUE(r.truncated) << cut;
    EXPECT_FALSE(r.problems.empty()) << cut;
    // What was read is what the whole report says, never a cut-short number.
    ASSERT_LE(r.frames.size(), full.frames.size()) << cut;
    for (std::size_t i = 0; i < r.frames.size(); ++i) {
      EXPECT_EQ(r.frames[i].address, full.frames[i].address) << cut;
      if (r.frames[i].module_offset && full.frames[i].module_offset) {
        EXPECT_EQ(*r.frames[i].module_offset, *full.frames[i].module_offset) << cut;
      }
    }
    EXPECT_LE(r.in_flight.size(), full.in_flight.size()) << cut;
    if (cut % (37 * 8) == 0) symbolize(r, kSelf);  // symbolizing a part never throws either
    EXPECT_NO_THROW((void)to_json(r).dump()) << cut;
    EXPECT_FALSE(format_report(r).empty());
  }
}

}  // namespace
}  // namespace nmtd::crash::testing
