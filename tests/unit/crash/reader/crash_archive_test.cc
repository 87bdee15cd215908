#include "crash/reader/crash_archive.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "common/error.h"

namespace nmtd::crash {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

CrashReport report_for(int pid, std::string exception = "") {
  std::string text =
      "=== nmtd crash report ===\n"
      "program: nmtd  version: 0.1.0  build-id: abcd\n"
      "signal: 11 (SIGSEGV) code: 1 fault address: 0x10\n"
      "pid: " +
      std::to_string(pid) + "  thread: " + std::to_string(pid) + " (nmtd)\n" +
      "time: 1764000000 (unix seconds)\n";
  if (!exception.empty()) text += exception + "\n";
  text += "stack (1 frames):\n  #0 0x1234\nsymbolized:\n[0x1234]\n=== end of crash report ===\n";
  return parse_crash_report(text);
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class CrashArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "nmtd-archive-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ / "crashes";
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path root_;
  fs::path dir_;
};

TEST_F(CrashArchiveTest, StoresTextAndJsonAndKeepsTheNewest) {
  CrashArchive archive(dir_, 3);
  EXPECT_TRUE(fs::is_directory(dir_));
  EXPECT_TRUE(archive.recent().empty());
  std::vector<fs::path> stored;
  for (int pid = 1; pid <= 5; ++pid) {
    stored.push_back(archive.store(report_for(pid), "worker-" + std::to_string(pid)));
  }
  EXPECT_THAT(stored[4].filename().string(),
              MatchesRegex("crash-[0-9]{8}T[0-9]{6}\\.[0-9]{6}Z-worker-5\\.txt"));
  EXPECT_EQ(files().size(), 6u);  // 3 reports, .txt and .json each
  EXPECT_FALSE(fs::exists(stored[0]));
  EXPECT_FALSE(fs::exists(stored[1]));
  EXPECT_TRUE(fs::exists(stored[2]));
  const auto recent = archive.recent();
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].worker, "worker-5");
  EXPECT_EQ(recent[1].worker, "worker-4");
  EXPECT_EQ(recent[2].worker, "worker-3");
  EXPECT_EQ(recent[0].pid, 5);
  EXPECT_EQ(recent[0].signal_name, "SIGSEGV");
  EXPECT_TRUE(recent[0].complete);
  EXPECT_GT(recent[0].id, recent[1].id);  // names sort by time
  const std::string text = slurp(stored[4]);
  EXPECT_THAT(text, HasSubstr("worker worker-5\ncrash of nmtd: SIGSEGV"));
  EXPECT_THAT(text, HasSubstr("--- the report as the worker wrote it ---\n=== nmtd crash report"));
  EXPECT_EQ(archive.read_text(recent[0].id), text);
  const auto j = nlohmann::json::parse(slurp(fs::path(stored[4]).replace_extension(".json")));
  EXPECT_EQ(j.at("worker"), "worker-5");
  EXPECT_EQ(j.at("id"), recent[0].id);
  EXPECT_EQ(j.at("pid"), 5);
}

TEST_F(CrashArchiveTest, ARestartedArchiveServesWhatWasStored) {
  {
    CrashArchive archive(dir_, 4);
    archive.store(report_for(10, "uncaught exception: std::bad_alloc: std::bad_alloc"), "w1");
    archive.store(report_for(11), "w2");
  }
  CrashArchive again(dir_, 4);
  auto recent = again.recent();
  ASSERT_EQ(recent.size(), 2u);
  EXPECT_EQ(recent[0].pid, 11);
  EXPECT_EQ(recent[1].pid, 10);
  EXPECT_EQ(recent[1].uncaught_exception, "uncaught exception: std::bad_alloc: std::bad_alloc");
  EXPECT_TRUE(recent[1].error.empty());
  // New reports go after the old ones, even within the same microsecond.
  again.store(report_for(12), "w3");
  recent = again.recent();
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].pid, 12);
  EXPECT_GT(recent[0].id, recent[1].id);
  // A smaller keep at start trims the oldest.
  CrashArchive smaller(dir_, 1);
  ASSERT_EQ(smaller.recent().size(), 1u);
  EXPECT_EQ(smaller.recent()[0].pid, 12);
  EXPECT_EQ(files().size(), 2u);
}

TEST_F(CrashArchiveTest, LeavesOtherFilesAloneAndClearsHalfWrittenOnes) {
  fs::create_directories(dir_);
  std::ofstream(dir_ / "crash-1234.txt") << "a worker's own report";
  std::ofstream(dir_ / "notes.json") << "{}";
  std::ofstream(dir_ / "crash-20260101T000000.000001Z-w.json.tmp") << "{";
  std::ofstream(dir_ / "crash-20260101T000000.000001Z-w.txt.tmp-a1B2c3") << "half";
  std::ofstream(dir_ / "crash-20260101T000000.000002Z-w.json") << "not json";
  CrashArchive archive(dir_, 1);
  const auto recent = archive.recent();
  ASSERT_EQ(recent.size(), 1u);  // the damaged one is listed, with why it cannot be shown
  EXPECT_EQ(recent[0].id, "crash-20260101T000000.000002Z-w");
  EXPECT_THAT(recent[0].error, HasSubstr("unreadable"));
  EXPECT_FALSE(fs::exists(dir_ / "crash-20260101T000000.000001Z-w.json.tmp"));
  EXPECT_FALSE(fs::exists(dir_ / "crash-20260101T000000.000001Z-w.txt.tmp-a1B2c3"));
  archive.store(report_for(1), "w");  // rotates the damaged one out
  EXPECT_TRUE(fs::exists(dir_ / "crash-1234.txt"));
  EXPECT_TRUE(fs::exists(dir_ / "notes.json"));
  EXPECT_FALSE(fs::exists(dir_ / "crash-20260101T000000.000002Z-w.json"));
  EXPECT_EQ(files().size(), 4u);
}

TEST_F(CrashArchiveTest, LabelsCannotEscapeTheDirectory) {
  CrashArchive archive(dir_, 2);
  const fs::path path = archive.store(report_for(1), "../../etc/passwd");
  EXPECT_EQ(path.parent_path(), dir_);
  EXPECT_THAT(path.filename().string(), HasSubstr("-.._.._etc_passwd.txt"));
  EXPECT_THROW(archive.read_text("../crash"), InvalidArgument);
}

TEST_F(CrashArchiveTest, KeepZeroStoresNothing) {
  CrashArchive archive(dir_, 0);
  EXPECT_EQ(archive.store(report_for(1), "w"), fs::path());
  EXPECT_TRUE(archive.recent().empty());
  EXPECT_TRUE(files().empty());
}

TEST_F(CrashArchiveTest, FileErrorsAreIoErrorsNamingThePath) {
  fs::create_directories(root_);
  std::ofstream(root_ / "a-file") << "x";
  try {
    CrashArchive archive(root_ / "a-file" / "crashes", 3);
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr((root_ / "a-file" / "crashes").string()));
  }
  CrashArchive archive(dir_, 3);
  fs::remove_all(dir_);
  std::ofstream(dir_) << "the directory is gone, a file took its place";
  try {
    archive.store(report_for(1), "w");
    FAIL() << "no exception";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir_.string()));
  }
  EXPECT_TRUE(archive.recent().empty());
}

TEST_F(CrashArchiveTest, SummaryJson) {
  CrashArchive archive(dir_, 2);
  archive.store(report_for(7, "uncaught exception: std::runtime_error: x"), "worker-0");
  const nlohmann::json j = to_json(archive.recent().at(0));
  EXPECT_EQ(j.at("worker"), "worker-0");
  EXPECT_EQ(j.at("pid"), 7);
  EXPECT_EQ(j.at("signal_name"), "SIGSEGV");
  EXPECT_EQ(j.at("uncaught_exception"), "uncaught exception: std::runtime_error: x");
  EXPECT_EQ(j.at("symbolized"), false);
  EXPECT_FALSE(j.contains("error"));
}

}  // namespace
}  // namespace nmtd::crash
