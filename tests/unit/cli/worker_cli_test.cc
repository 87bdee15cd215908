// `nmtd worker`'s settings as the binary reads them: defaults < --config (TOML) < NMTD_WORKER_*
// < flags, with every refusal naming the setting and where its value came from. These stop at
// the settings: the model directory does not exist, so no worker ever starts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "support/run_process.h"

namespace nmtd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::run_nmtd;

class WorkerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nmtd-worker-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string file(const std::string& text) {
    const auto path = dir_ / "worker.toml";
    std::ofstream(path) << text;
    return path.string();
  }
  std::string no_model() const { return (dir_ / "no-model").string(); }
  std::filesystem::path dir_;
};

TEST_F(WorkerCli, ABadFlagIsRefusedNamingTheFlagAndTheSetting) {
  const auto r = run_nmtd({"worker", "--model", no_model(), "--threads", "-1"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("flag --threads: \"threads\" must be an integer in [0, 1024], "
                               "got \"-1\""));
}

TEST_F(WorkerCli, ABadFileValueIsRefusedNamingTheFileAndLine) {
  const std::string config = file("queue_capacity = 64\n[batching]\nmax_wait_us = -5\n");
  const auto r = run_nmtd({"worker", "--model", no_model(), "--config", config});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr(config + ":3: \"batching.max_wait_us\" must be an integer number "
                                        "of microseconds in [0, 10000000], got -5"));
}

TEST_F(WorkerCli, AnUnknownFileKeyIsRefused) {
  const std::string config = file("queue_capacty = 64\n");
  const auto r = run_nmtd({"worker", "--model", no_model(), "--config", config});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr(config + ":1: unknown setting \"queue_capacty\""));
}

TEST_F(WorkerCli, AFlagOverridesTheFile) {
  // The file's queue cannot hold one request of 64 texts: refused unless the flag replaces it.
  const std::string config = file("queue_capacity = 8\n");
  const auto refused = run_nmtd({"worker", "--model", no_model(), "--config", config});
  EXPECT_THAT(refused.err, HasSubstr("must not exceed queue_capacity (8)"));
  const auto r = run_nmtd({"worker", "--model", no_model(), "--config", config, "--queue-capacity",
                           "64", "--listen", "127.0.0.1:0"});
  EXPECT_NE(r.exit_code, 0);  // no model there: it gets as far as loading it
  EXPECT_THAT(r.err, Not(HasSubstr("queue_capacity")));
}

}  // namespace
}  // namespace nmtd
