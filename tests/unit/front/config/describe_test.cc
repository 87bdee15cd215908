#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "front/config/configuration.h"
#include "front/config/settings.h"
#include "unit/front/config/scratch_dir.h"

namespace nmtd::front {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

FrontConfig read_back(const std::string& toml) {
  ScratchDir dir;
  FrontConfig c;
  apply_toml_file(c, dir.write("described.toml", toml));
  return c;
}

// A configuration in which every setting differs from its default.
FrontConfig everything_changed() {
  FrontConfig c;
  c.model_dir = "/srv/models/nllb \"600M\" \\ ü";  // quotes, backslash, non-ASCII
  c.host = "::1";
  c.port = 6000;
  c.http_port = 0;
  c.workers = 3;
  c.state_dir = "/var/lib/nmtd\tstate";  // a control character
  c.runtime_dir = "/run/nmtd/w";
  c.log_level = "debug";
  c.drain_timeout = 12345ms;
  c.crash_reports_kept = 5;
  c.api_keys_file = "/etc/nmtd/api-keys";
  c.idle_unload = 10min;
  c.worker = {.threads = 2,
              .compute_type = "int8",
              .queue_capacity = 300,
              .cache_mib = 0,
              .max_batch_texts = 8,
              .batch_wait = 750us,
              .engine_stall_limit = 90s,
              .monitor_interval = 1500ms};
  c.supervision = {.health_interval = 500ms,
                   .health_timeout = 400ms,
                   .health_misses = 5,
                   .kill_grace = 2s,
                   .start_timeout = 45s,
                   .recycle_age = 90min,
                   .canary_interval = 1500ms,
                   .backoff_initial = 250ms,
                   .backoff_max = 2min,
                   .backoff_reset_after = 0ms};
  c.limits = {.rss_mib = 2048, .gpu_memory_percent = 87.25, .open_fds = 100, .threads = 0};
  c.requests = {.hold_queue_capacity = 0,
                .default_deadline = 5s,
                .max_attempts = 2,
                .max_text_chars = 500,
                .auto_fallback_language = "en"};
  c.http = {.header_timeout = 2500ms, .max_connections = 300, .max_connections_per_address = 7};
  return c;
}

TEST(Describe, DefaultsRoundTrip) {
  FrontConfig c;
  c.model_dir = "/srv/model";
  EXPECT_EQ(read_back(describe(c)), c);
}

TEST(Describe, EverySettingRoundTrips) {
  const FrontConfig c = everything_changed();
  // The test means what it says only if it really changes every setting.
  const FrontConfig defaults;
  FrontConfig source = c;
  for (const Setting& s : settings()) {
    FrontConfig one = defaults;
    std::visit([&](auto field) { field(one) = field(source); }, s.field);
    EXPECT_NE(one, defaults) << s.name << " keeps its default in everything_changed()";
  }
  EXPECT_EQ(read_back(describe(c)), c) << describe(c);
}

TEST(Describe, IsReadableToml) {
  const std::string text = describe(FrontConfig());
  EXPECT_THAT(text, HasSubstr("\nport = 50051\n"));
  EXPECT_THAT(text, HasSubstr("\nhost = \"127.0.0.1\"\n"));
  EXPECT_THAT(text, HasSubstr("\n[supervision]\n"));
  EXPECT_THAT(text, HasSubstr("\nrecycle_age = \"12h\"\n"));
  EXPECT_THAT(text, HasSubstr("\ncanary_interval = \"1m\"\n"));
  EXPECT_THAT(text, HasSubstr("\nbackoff_reset_after = \"30s\"\n"));
  EXPECT_THAT(text, HasSubstr("\nbatch_wait_us = 2000\n"));
  EXPECT_THAT(text, HasSubstr("\nmodel = \"\"\n"));
}

}  // namespace
}  // namespace nmtd::front
