#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "front/config/configuration.h"
#include "unit/front/config/scratch_dir.h"

namespace nmtd::front {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string error_of_env(const std::map<std::string, std::string>& env) {
  FrontConfig c;
  const FrontConfig before = c;
  try {
    apply_environment(c, env);
  } catch (const InvalidArgument& e) {
    EXPECT_EQ(c, before);
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return "";
}

TEST(Environment, SetsSettingsFromNmtdVariables) {
  FrontConfig c;
  const auto ignored = apply_environment(
      c, {{"NMTD_PORT", "7000"},
          {"NMTD_MODEL", "/models/nllb"},
          {"NMTD_SUPERVISION_HEALTH_INTERVAL_MS", "250"},
          {"NMTD_SUPERVISION_RECYCLE_AGE", "6h"},
          {"NMTD_SUPERVISION_CANARY_INTERVAL", "30000"},  // bare digits: milliseconds
          {"NMTD_LIMITS_GPU_MEMORY_PERCENT", "92.5"},
          {"NMTD_WORKER_BATCH_WAIT_US", "100"},
          {"NMTD_CPU_ISA", "avx2"},  // the engine's, not a setting
          {"HOME", "/root"},
          {"PORT", "1"}});
  EXPECT_EQ(c.port, 7000);
  EXPECT_EQ(c.model_dir, "/models/nllb");
  EXPECT_EQ(c.supervision.health_interval, 250ms);
  EXPECT_EQ(c.supervision.recycle_age, 6h);
  EXPECT_EQ(c.supervision.canary_interval, 30s);
  EXPECT_DOUBLE_EQ(c.limits.gpu_memory_percent, 92.5);
  EXPECT_EQ(c.worker.batch_wait, 100us);
  EXPECT_THAT(ignored, ElementsAre("NMTD_CPU_ISA"));
}

TEST(Environment, AnEmptyPathVariableUnsetsIt) {
  FrontConfig c;
  c.state_dir = "/var/lib/nmtd";
  apply_environment(c, {{"NMTD_STATE_DIR", ""}});
  EXPECT_TRUE(c.state_dir.empty());
}

TEST(Environment, TheWordNoneUnsetsAPathDocumentedAsNone) {
  // The docs say "none = logs to stderr, nothing kept": not a directory named "none".
  FrontConfig c;
  c.state_dir = "/var/lib/nmtd";
  c.api_keys_file = "/etc/nmtd/keys";
  apply_environment(c, {{"NMTD_STATE_DIR", "none"}, {"NMTD_API_KEYS_FILE", "none"}});
  EXPECT_TRUE(c.state_dir.empty());
  EXPECT_TRUE(c.api_keys_file.empty());
  // A path setting without that word in its docs keeps it as a name.
  apply_environment(c, {{"NMTD_MODEL", "none"}});
  EXPECT_EQ(c.model_dir, "none");
}

TEST(Environment, InvalidValuesNameTheVariable) {
  EXPECT_THAT(error_of_env({{"NMTD_WORKERS", "4"}, {"NMTD_PORT", "http"}}),
              HasSubstr("environment variable NMTD_PORT: \"port\" must be an integer in [0, "
                        "65535], got \"http\""));
  EXPECT_THAT(error_of_env({{"NMTD_PORT", " 80"}}), HasSubstr("got \" 80\""));
  EXPECT_THAT(error_of_env({{"NMTD_PORT", ""}}), HasSubstr("got \"\""));
  EXPECT_THAT(error_of_env({{"NMTD_SUPERVISION_RECYCLE_AGE", "1h30"}}),
              HasSubstr("NMTD_SUPERVISION_RECYCLE_AGE: \"supervision.recycle_age\" must be a "
                        "duration"));
  EXPECT_THAT(error_of_env({{"NMTD_LIMITS_GPU_MEMORY_PERCENT", "nan"}}),
              HasSubstr("must be a number in [0, 100]"));
  EXPECT_THAT(error_of_env({{"NMTD_LOG_LEVEL", "INFO"}}), HasSubstr("must be one of"));
}

TEST(Precedence, DefaultsThenFileThenEnvironmentThenFlags) {
  ScratchDir dir;
  const auto file = dir.write("nmtd.toml",
                              "port = 6000\nworkers = 2\nhttp_port = 6001\n"
                              "[supervision]\nrecycle_age = \"2h\"\n");
  FrontConfig c;
  apply_toml_file(c, file);
  apply_environment(c, {{"NMTD_PORT", "7000"}, {"NMTD_WORKERS", "3"}});
  set_setting(c, "port", "8000");
  EXPECT_EQ(c.port, 8000);                        // flag over environment over file
  EXPECT_EQ(c.workers, 3);                        // environment over file
  EXPECT_EQ(c.http_port, 6001);                   // file over default
  EXPECT_EQ(c.supervision.recycle_age, 2h);       // file over default
  EXPECT_EQ(c.supervision.canary_interval, 60s);  // default
}

TEST(SetSetting, ParsesTextLikeTheEnvironment) {
  FrontConfig c;
  set_setting(c, "http_port", "0");
  set_setting(c, "supervision.recycle_age", "30m");
  set_setting(c, "supervision.backoff_reset_after", "45s");
  set_setting(c, "requests.max_attempts", "5");
  set_setting(c, "runtime_dir", "/run/nmtd/w");
  EXPECT_EQ(c.http_port, 0);
  EXPECT_EQ(c.supervision.recycle_age, 30min);
  EXPECT_EQ(c.supervision.backoff_reset_after, 45s);
  EXPECT_EQ(c.requests.max_attempts, 5);
  EXPECT_EQ(c.runtime_dir, "/run/nmtd/w");
}

TEST(SetSetting, RefusesUnknownNamesAndBadValuesWithoutChangingAnything) {
  FrontConfig c;
  try {
    set_setting(c, "prot", "1");
    ADD_FAILURE();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown setting \"prot\""));
  }
  try {
    set_setting(c, "workers", "65");
    ADD_FAILURE();
  } catch (const InvalidArgument& e) {
    EXPECT_THAT(e.what(), HasSubstr("command line: \"workers\" must be an integer in [1, 64], "
                                    "got \"65\""));
  }
  EXPECT_THROW(set_setting(c, "supervision.recycle_age", "5x"), InvalidArgument);
  EXPECT_THROW(set_setting(c, "supervision.recycle_age", "-1s"), InvalidArgument);
  EXPECT_THROW(set_setting(c, "supervision.recycle_age", "h"), InvalidArgument);
  EXPECT_EQ(c, FrontConfig());
}

}  // namespace
}  // namespace nmtd::front
