#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "front/config/configuration.h"
#include "unit/front/config/scratch_dir.h"

namespace nmtd::front {
namespace {

using namespace std::chrono_literals;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

class TomlFile : public ::testing::Test {
 protected:
  FrontConfig load(const std::string& text) {
    FrontConfig c;
    apply_toml_file(c, dir_.write("nmtd.toml", text));
    return c;
  }
  // The message of the InvalidArgument the text raises; the config must stay as it was.
  std::string error_of(const std::string& text) {
    FrontConfig c;
    c.port = 4242;
    const FrontConfig before = c;
    try {
      apply_toml_file(c, dir_.write("nmtd.toml", text));
    } catch (const InvalidArgument& e) {
      EXPECT_EQ(c, before) << "a refused file changed the configuration";
      return e.what();
    }
    ADD_FAILURE() << "accepted: " << text;
    return "";
  }
  std::string file() const { return (dir_.path() / "nmtd.toml").string(); }
  ScratchDir dir_;
};

TEST_F(TomlFile, TheWordNoneUnsetsStateDirAsItsDocsSay) {
  const FrontConfig c = load("state_dir = \"none\"\napi_keys_file = \"none\"\n");
  EXPECT_TRUE(c.state_dir.empty());
  EXPECT_TRUE(c.api_keys_file.empty());
}

TEST_F(TomlFile, ReadsEveryKindOfValue) {
  const FrontConfig c = load(R"(
model = "/srv/nllb"          # path
host = "0.0.0.0"             # string
log_level = "debug"          # string, one of a list
port = 6000                  # integer
drain_timeout_ms = 5000      # milliseconds

[worker]
batch_wait_us = 250          # microseconds
compute_type = "int8"

[supervision]
recycle_age = "1h30m"        # duration as text
canary_interval = 45000      # duration as milliseconds
backoff_reset_after = "45s"

[limits]
gpu_memory_percent = 87.5    # real
rss_mib = 4096
)");
  EXPECT_EQ(c.model_dir, "/srv/nllb");
  EXPECT_EQ(c.host, "0.0.0.0");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.port, 6000);
  EXPECT_EQ(c.drain_timeout, 5s);
  EXPECT_EQ(c.worker.batch_wait, 250us);
  EXPECT_EQ(c.worker.compute_type, "int8");
  EXPECT_EQ(c.supervision.recycle_age, 90min);
  EXPECT_EQ(c.supervision.canary_interval, 45s);
  EXPECT_EQ(c.supervision.backoff_reset_after, 45s);
  EXPECT_DOUBLE_EQ(c.limits.gpu_memory_percent, 87.5);
  EXPECT_EQ(c.limits.rss_mib, 4096);
  // What the file does not name keeps its default.
  EXPECT_EQ(c.http_port, 50052);
  EXPECT_EQ(c.supervision.health_misses, 3);
}

TEST_F(TomlFile, AcceptsDottedKeysAndWholeNumbersForReals) {
  const FrontConfig c = load(
      "supervision.health_interval_ms = 250\n"
      "limits.gpu_memory_percent = 90\n"
      "supervision.recycle_age = 0\n");
  EXPECT_EQ(c.supervision.health_interval, 250ms);
  EXPECT_DOUBLE_EQ(c.limits.gpu_memory_percent, 90.0);
  EXPECT_EQ(c.supervision.recycle_age, 0ms);
}

TEST_F(TomlFile, EmptyFileChangesNothing) { EXPECT_EQ(load(""), FrontConfig()); }

TEST_F(TomlFile, UnknownKeysAreNamedWithWhatIsKnown) {
  EXPECT_THAT(error_of("prot = 1\n"), AllOf(StartsWith(file() + ":1: unknown setting \"prot\""),
                                            HasSubstr("port"), HasSubstr("[supervision]")));
  EXPECT_THAT(error_of("\n[supervision]\nhelth_interval_ms = 5\n"),
              AllOf(StartsWith(file() + ":3: unknown setting \"supervision.helth_interval_ms\""),
                    HasSubstr("known in [supervision]: health_interval_ms")));
  EXPECT_THAT(error_of("[network]\nport = 1\n"), HasSubstr("unknown setting \"network\""));
  EXPECT_THAT(error_of("[worker.deep]\nx = 1\n"), HasSubstr("unknown setting \"worker.deep\""));
  EXPECT_THAT(error_of("[\"\"]\nport = 1\n"), HasSubstr("unknown setting \"\""));
}

TEST_F(TomlFile, WrongTypesSayWhatIsAllowed) {
  EXPECT_THAT(error_of("port = \"50051\"\n"),
              HasSubstr(file() + ":1: \"port\" must be an integer in [0, 65535], got \"50051\""));
  EXPECT_THAT(error_of("host = 127\n"), HasSubstr("\"host\" must be a string, got 127"));
  EXPECT_THAT(error_of("model = true\n"),
              HasSubstr("\"model\" must be a path (a string), got true"));
  EXPECT_THAT(error_of("workers = 2.5\n"), HasSubstr("\"workers\" must be an integer"));
  EXPECT_THAT(
      error_of("limits.gpu_memory_percent = \"high\"\n"),
      HasSubstr("\"limits.gpu_memory_percent\" must be a number in [0, 100], got \"high\""));
  EXPECT_THAT(
      error_of("supervision.recycle_age = [1]\n"),
      HasSubstr("\"supervision.recycle_age\" must be a duration such as \"12h\", \"30m\", "
                "\"45s\" or an integer number of milliseconds, in [0, 720h], got an array"));
  EXPECT_THAT(error_of("supervision.recycle_age = \"12 hours\"\n"), HasSubstr("got \"12 hours\""));
  EXPECT_THAT(error_of("drain_timeout_ms = \"30s\"\n"),
              HasSubstr("\"drain_timeout_ms\" must be an integer number of milliseconds"));
  EXPECT_THAT(error_of("worker = 3\n"),
              HasSubstr(file() + ":1: \"worker\" must be a table of settings ([worker])"));
  EXPECT_THAT(error_of("[port]\nx = 1\n"), HasSubstr("\"port\" must be an integer"));
  EXPECT_THAT(error_of("state_dir = 1979-05-27\n"), HasSubstr("got a date or time"));
}

TEST_F(TomlFile, OutOfRangeValuesSayTheRange) {
  EXPECT_THAT(error_of("port = 70000\n"),
              HasSubstr("\"port\" must be an integer in [0, 65535], got 70000"));
  EXPECT_THAT(error_of("workers = 0\n"), HasSubstr("\"workers\" must be an integer in [1, 64]"));
  EXPECT_THAT(error_of("[worker]\nqueue_capacity = 10\n"),
              HasSubstr("\"worker.queue_capacity\" must be an integer in [64, 1000000], got 10"));
  EXPECT_THAT(error_of("limits.gpu_memory_percent = 120.5\n"), HasSubstr("got 120.5"));
  EXPECT_THAT(error_of("supervision.recycle_age = \"31d\"\n"),
              HasSubstr("in [0, 720h], got \"31d\""));
  EXPECT_THAT(error_of("supervision.recycle_age = -5\n"), HasSubstr("got -5"));
  EXPECT_THAT(error_of("log_level = \"loud\"\n"),
              HasSubstr("\"log_level\" must be one of \"trace\", \"debug\", \"info\", \"warn\", "
                        "\"error\", \"critical\", \"off\", got \"loud\""));
  EXPECT_THAT(error_of("[worker]\ncompute_type = \"fp8\"\n"),
              HasSubstr("\"worker.compute_type\" must be one of \"default\", \"auto\""));
}

TEST_F(TomlFile, SyntaxErrorsNameTheLineAndColumn) {
  EXPECT_THAT(error_of("port = 1\nhost = \n"), StartsWith(file() + ":2:"));
  EXPECT_THAT(error_of("port = 1\nport = 2\n"), HasSubstr("not valid TOML"));
}

TEST_F(TomlFile, AnErrorLateInTheFileChangesNothing) {
  // error_of() checks that the config is unchanged although "workers" came first and was good.
  EXPECT_THAT(error_of("workers = 4\nport = -1\n"), HasSubstr(file() + ":2:"));
}

TEST_F(TomlFile, UnreadableFilesAreIoErrors) {
  FrontConfig c;
  EXPECT_THROW(apply_toml_file(c, dir_.path() / "missing.toml"), IoError);
  EXPECT_THROW(apply_toml_file(c, dir_.path()), IoError);
}

}  // namespace
}  // namespace nmtd::front
