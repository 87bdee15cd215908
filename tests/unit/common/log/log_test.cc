#include "common/log/log.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "common/error.h"

namespace nmtd {
namespace {

std::filesystem::path temp_dir(const char* name) {
  auto dir = std::filesystem::temp_directory_path() /
             (std::string("nmtd-log-") + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

LogConfig file_only(const std::filesystem::path& file) {
  LogConfig c;
  c.name = "t";
  c.file = file;
  c.to_stderr = false;
  return c;
}

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Log, InfoAndWarningsReachTheFileWithoutAnExplicitFlush) {
  const auto dir = temp_dir("flush");
  LogConfig config = file_only(dir / "t.log");
  config.level = "debug";
  auto log = make_logger(config);
  log->debug("a debug line");
  log->info("an info line");
  // flush_on(info) wrote both, in order, while the logger is still alive.
  EXPECT_NE(read_all(dir / "t.log").find("an info line"), std::string::npos);
  log->warn("a warning");
  const std::string text = read_all(dir / "t.log");
  EXPECT_LT(text.find("a debug line"), text.find("an info line"));
  EXPECT_LT(text.find("an info line"), text.find("a warning"));
  EXPECT_NE(text.find("t[" + std::to_string(::getpid()) + "]"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Log, FileRotatesAtItsBound) {
  const auto dir = temp_dir("rotate");
  {
    LogConfig config = file_only(dir / "t.log");
    config.max_file_bytes = 4096;
    config.max_files = 2;
    auto log = make_logger(config);
    for (int i = 0; i < 500; ++i) log->info("line {} with some padding to fill the file", i);
    log->flush();
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "t.1.log"));
  EXPECT_TRUE(std::filesystem::exists(dir / "t.2.log"));
  EXPECT_FALSE(std::filesystem::exists(dir / "t.3.log"));
  EXPECT_LE(std::filesystem::file_size(dir / "t.log"), 4096u);
  // Log lines hold request ids and error texts: every file is the owner's alone.
  for (const char* name : {"t.log", "t.1.log", "t.2.log"})
    EXPECT_EQ(std::filesystem::status(dir / name).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
        << name;
  std::filesystem::remove_all(dir);
}

TEST(Log, UnknownLevelIsRefused) {
  LogConfig config;
  config.level = "verbose";
  config.to_stderr = false;
  EXPECT_THROW(make_logger(config), InvalidArgument);
}

TEST(Log, UnwritableFileIsAnIoError) {
  EXPECT_THROW(make_logger(file_only("/proc/no-such-dir/x.log")), IoError);
}

}  // namespace
}  // namespace nmtd
