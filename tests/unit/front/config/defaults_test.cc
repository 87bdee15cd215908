#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "front/config/configuration.h"
#include "front/config/settings.h"

namespace nmtd::front {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

TEST(FrontConfigDefaults, AreTheDocumentedOnes) {
  const FrontConfig c;
  EXPECT_TRUE(c.model_dir.empty());
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 50051);
  EXPECT_EQ(c.http_port, 50052);
  EXPECT_EQ(c.workers, 1);
  EXPECT_TRUE(c.state_dir.empty());
  EXPECT_TRUE(c.runtime_dir.empty());
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.drain_timeout, 30s);
  EXPECT_EQ(c.crash_reports_kept, 20);
  EXPECT_EQ(c.supervision.health_interval, 1000ms);
  EXPECT_EQ(c.supervision.health_timeout, 1000ms);
  EXPECT_EQ(c.supervision.health_misses, 3);
  EXPECT_EQ(c.supervision.recycle_age, 12h);
  EXPECT_EQ(c.supervision.canary_interval, 60s);
  EXPECT_EQ(c.supervision.backoff_initial, 1s);
  EXPECT_EQ(c.supervision.backoff_max, 60s);
  EXPECT_EQ(c.supervision.backoff_reset_after, 30s);
  EXPECT_EQ(c.requests.default_deadline, 60s);
  EXPECT_EQ(c.limits.rss_mib, 0);
  EXPECT_EQ(c.limits.gpu_memory_percent, 0);
  EXPECT_EQ(c.http.header_timeout, 10s);
  EXPECT_EQ(c.http.max_connections, 1024);
  EXPECT_EQ(c.http.max_connections_per_address, 64);
}

TEST(FrontConfigDefaults, AreValidOnceAModelIsNamed) {
  FrontConfig c;
  EXPECT_THROW(validate(c), InvalidArgument);
  c.model_dir = "/srv/model";
  EXPECT_NO_THROW(validate(c));
}

TEST(SettingsTable, NamesAndEnvironmentVariablesAreUnique) {
  std::set<std::string> names, variables;
  for (const Setting& s : settings()) {
    EXPECT_TRUE(names.insert(std::string(s.name)).second) << s.name;
    EXPECT_TRUE(variables.insert(environment_name(s)).second) << environment_name(s);
    EXPECT_EQ(find_setting(s.name), &s);
    EXPECT_FALSE(s.doc.empty()) << s.name;
  }
  EXPECT_EQ(find_setting("no_such_setting"), nullptr);
  EXPECT_EQ(environment_name(*find_setting("supervision.health_interval_ms")),
            "NMTD_SUPERVISION_HEALTH_INTERVAL_MS");
  EXPECT_EQ(environment_name(*find_setting("port")), "NMTD_PORT");
}

TEST(SettingsTable, KindsMatchTheirFieldsAndNames) {
  for (const Setting& s : settings()) {
    SCOPED_TRACE(std::string(s.name));
    switch (s.kind) {
      case SettingKind::kString:
        EXPECT_TRUE(std::holds_alternative<std::string& (*)(FrontConfig&)>(s.field));
        break;
      case SettingKind::kPath:
        EXPECT_TRUE(std::holds_alternative<std::filesystem::path& (*)(FrontConfig&)>(s.field));
        break;
      case SettingKind::kInteger:
        EXPECT_TRUE(std::holds_alternative<int& (*)(FrontConfig&)>(s.field));
        EXPECT_LE(s.max, 2147483647.0);  // stored in an int
        break;
      case SettingKind::kReal:
        EXPECT_TRUE(std::holds_alternative<double& (*)(FrontConfig&)>(s.field));
        break;
      case SettingKind::kMillis:
        EXPECT_TRUE(s.name.ends_with("_ms"));
        EXPECT_TRUE(std::holds_alternative<std::chrono::milliseconds& (*)(FrontConfig&)>(s.field));
        break;
      case SettingKind::kMicros:
        EXPECT_TRUE(s.name.ends_with("_us"));
        EXPECT_TRUE(std::holds_alternative<std::chrono::microseconds& (*)(FrontConfig&)>(s.field));
        break;
      case SettingKind::kDuration:
        EXPECT_FALSE(s.name.ends_with("_ms"));  // a unit in the name would lie about "12h"
        EXPECT_TRUE(std::holds_alternative<std::chrono::milliseconds& (*)(FrontConfig&)>(s.field));
        break;
      case SettingKind::kBool:
        EXPECT_TRUE(std::holds_alternative<bool& (*)(FrontConfig&)>(s.field));
        break;
    }
    if (s.kind != SettingKind::kString && s.kind != SettingKind::kPath) {
      EXPECT_LE(s.min, s.max);
    }
  }
}

TEST(SettingsTable, EveryRowHasItsOwnField) {
  // Two rows writing the same member would make one of them a setting that does nothing.
  FrontConfig c;
  std::set<const void*> members;
  for (const Setting& s : settings()) {
    const void* member = std::visit([&](auto field) -> const void* { return &field(c); }, s.field);
    EXPECT_TRUE(members.insert(member).second) << s.name;
  }
}

TEST(WorkerArguments, ThreadsZeroSharesTheCoresOutAmongTheWorkers) {
  FrontConfig c;
  c.worker.threads = 0;
  c.workers = 2;
  EXPECT_EQ(threads_per_worker(c, 2), 1);
  EXPECT_EQ(threads_per_worker(c, 8), 4);
  EXPECT_EQ(threads_per_worker(c, 32), 4);  // the engine's cap
  c.workers = 3;
  EXPECT_EQ(threads_per_worker(c, 2), 1);  // never 0
  EXPECT_EQ(threads_per_worker(c, 7), 2);
  c.worker.threads = 6;  // an explicit setting wins
  EXPECT_EQ(threads_per_worker(c, 2), 6);
  c.worker.threads = 0;
  c.workers = 1;
  const auto args = worker_arguments(c, 2);
  const auto at = std::find(args.begin(), args.end(), "--threads");
  ASSERT_NE(at, args.end());
  EXPECT_EQ(*(at + 1), "2");
  EXPECT_GE(available_cores(), 1);
}

TEST(WorkerArguments, PassTheWorkerSettingsOn) {
  FrontConfig c;
  c.worker.threads = 4;
  c.worker.compute_type = "int8";
  c.worker.batch_wait = std::chrono::microseconds(500);
  c.log_level = "debug";
  const auto args = worker_arguments(c);
  EXPECT_THAT(args, ElementsAre("--log-level", "debug", "--drain-timeout-ms", "30000", "--threads",
                                "4", "--compute-type", "int8", "--queue-capacity", "128",
                                "--cache-mib", "32", "--max-batch-texts", "32", "--batch-wait-us",
                                "500", "--engine-stall-ms", "5000", "--monitor-interval-ms",
                                "60000", "--default-deadline-ms", "60000"));
}

TEST(RuntimeDir, PrefersTheSettingThenXdgThenTmp) {
  FrontConfig c;
  EXPECT_EQ(resolve_runtime_dir(c, {{"XDG_RUNTIME_DIR", "/run/user/1000"}}, 42, 1000),
            "/run/user/1000/nmtd-42");
  EXPECT_EQ(resolve_runtime_dir(c, {}, 42, 1000), "/tmp/nmtd-1000-42");
  EXPECT_EQ(resolve_runtime_dir(c, {{"XDG_RUNTIME_DIR", "relative"}}, 42, 7), "/tmp/nmtd-7-42");
  EXPECT_EQ(resolve_runtime_dir(c, {{"XDG_RUNTIME_DIR", ""}}, 42, 7), "/tmp/nmtd-7-42");
  c.runtime_dir = "/run/nmtd/workers";
  EXPECT_EQ(resolve_runtime_dir(c, {{"XDG_RUNTIME_DIR", "/run/user/1000"}}, 42, 1000),
            "/run/nmtd/workers");
}

}  // namespace
}  // namespace nmtd::front
