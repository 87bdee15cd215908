#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/error.h"
#include "front/config/configuration.h"

namespace nmtd::front {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

FrontConfig valid() {
  FrontConfig c;
  c.model_dir = "/srv/model";
  return c;
}

std::string error_of(const FrontConfig& c) {
  try {
    validate(c);
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(Validate, NeedsAModel) {
  EXPECT_THAT(error_of(FrontConfig()), HasSubstr("\"model\" is required: --model DIR, NMTD_MODEL"));
}

TEST(Validate, ChecksBoundsOfConfigsBuiltInCode) {
  FrontConfig c = valid();
  c.workers = 0;
  EXPECT_THAT(error_of(c), HasSubstr("\"workers\" must be an integer in [1, 64], got 0"));
  c = valid();
  c.log_level = "verbose";
  EXPECT_THAT(error_of(c), HasSubstr("\"log_level\" must be one of"));
  c = valid();
  c.limits.gpu_memory_percent = -1;
  EXPECT_THAT(error_of(c), HasSubstr("got -1"));
  c = valid();
  c.supervision.recycle_age = 800h;
  EXPECT_THAT(error_of(c), HasSubstr("\"supervision.recycle_age\" must be a duration"));
  c = valid();
  c.worker.batch_wait = -1us;
  EXPECT_THAT(error_of(c), HasSubstr("\"worker.batch_wait_us\""));
}

TEST(Validate, BackoffMustGrowTowardsItsMaximum) {
  FrontConfig c = valid();
  c.supervision.backoff_initial = 5s;
  c.supervision.backoff_max = 1s;
  EXPECT_THAT(error_of(c), HasSubstr("\"supervision.backoff_initial_ms\" (5000) must not exceed "
                                     "\"supervision.backoff_max_ms\" (1000)"));
  c.supervision.backoff_max = 5s;
  EXPECT_EQ(error_of(c), "");
}

TEST(Validate, PortsMustDifferUnlessHttpIsOff) {
  FrontConfig c = valid();
  c.http_port = c.port;
  EXPECT_THAT(error_of(c), HasSubstr("\"port\" and \"http_port\" must differ, both are 50051"));
  c.http_port = 0;
  EXPECT_EQ(error_of(c), "");
  c.port = 0;  // both picked by the system
  EXPECT_EQ(error_of(c), "");
}

TEST(Validate, RecycleAgeMustLeaveTimeToStart) {
  FrontConfig c = valid();
  c.supervision.start_timeout = 120s;
  c.supervision.recycle_age = 1min;
  EXPECT_THAT(error_of(c), HasSubstr("\"supervision.recycle_age\" (1m) must be 0 (off) or longer "
                                     "than \"supervision.start_timeout_ms\" (120000)"));
  c.supervision.recycle_age = 0ms;
  EXPECT_EQ(error_of(c), "");
}

TEST(Validate, RuntimeDirMustLeaveRoomForSocketNames) {
  FrontConfig c = valid();
  c.runtime_dir = "/run/" + std::string(100, 'x');
  EXPECT_THAT(error_of(c), HasSubstr("\"runtime_dir\" must be at most 80 bytes"));
}

TEST(Validate, IdleUnloadIsOffOrAtLeastASecond) {
  FrontConfig c = valid();
  EXPECT_EQ(error_of(c), "");  // 0: off, the default
  c.idle_unload = 1s;
  EXPECT_EQ(error_of(c), "");
  c.idle_unload = 500ms;
  EXPECT_THAT(error_of(c), HasSubstr("\"idle_unload\" (500ms) must be 0 (never) or at least 1s"));
}

TEST(Validate, EmptyHostIsRefused) {
  FrontConfig c = valid();
  c.host = "";
  EXPECT_THAT(error_of(c), HasSubstr("\"host\" must not be empty"));
}

}  // namespace
}  // namespace nmtd::front
