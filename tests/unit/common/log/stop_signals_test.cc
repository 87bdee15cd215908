#include "common/log/stop_signals.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace nmtd {
namespace {

struct LogFile {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("nmtd-stop-signals-" + std::to_string(::getpid()));
  LogFile() {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~LogFile() { std::filesystem::remove_all(dir); }
  std::shared_ptr<Logger> logger() const {
    LogConfig c;
    c.name = "t";
    c.file = dir / "t.log";
    c.to_stderr = false;
    return make_logger(c);
  }
  std::string text() const {
    std::ifstream in(dir / "t.log");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
};

TEST(DrainAndExit, ADrainThatFinishesExitsZeroWithTheSignalInItsLastLine) {
  LogFile file;
  auto log = file.logger();
  bool drained = false;
  const int status =
      drain_and_exit(SIGTERM, std::chrono::seconds(60), *log, [&]() -> std::optional<std::string> {
        drained = true;
        return std::nullopt;
      });
  EXPECT_EQ(status, 0);
  EXPECT_TRUE(drained);
  EXPECT_NE(file.text().find("exit: drained after SIGTERM; status 0"), std::string::npos)
      << file.text();
}

TEST(DrainAndExit, ADrainThatFallsShortExitsOneAndSaysWhy) {
  LogFile file;
  auto log = file.logger();
  const int status = drain_and_exit(SIGINT, std::chrono::seconds(60), *log, [] {
    return std::optional<std::string>("drain deadline (10 ms) passed with 2 calls unfinished");
  });
  EXPECT_EQ(status, 1);
  EXPECT_NE(file.text().find("exit: drain deadline (10 ms) passed with 2 calls unfinished after "
                             "SIGINT; status 1"),
            std::string::npos)
      << file.text();
}

TEST(DrainAndExit, ADrainThatWedgesEndsTheProcessAtTheExitLimit) {
  LogFile file;
  EXPECT_EXIT(
      {
        auto log = file.logger();
        drain_and_exit(SIGTERM, std::chrono::milliseconds(50), *log,
                       []() -> std::optional<std::string> {
                         for (;;) ::pause();  // wedged: only the deadline ends it
                       });
      },
      ::testing::ExitedWithCode(1), "");
  EXPECT_NE(file.text().find("shutdown did not finish within 50 ms"), std::string::npos)
      << file.text();
}

}  // namespace
}  // namespace nmtd
