#include "worker/worker_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/error.h"
#include "worker/listen_address.h"
#include "worker/worker_settings.h"

namespace nmtd::worker {
namespace {

using ::testing::HasSubstr;

// `nmtd worker`'s settings: the same registry as the front's (src/settings/), over its own
// table (worker_settings.cc). Precedence is the caller's order: file, then environment, then flags.
class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("nmtd-config-" + std::to_string(::getpid()) + ".toml");
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void write(const std::string& text) { std::ofstream(path_) << text; }
  std::string error_of(const std::string& text) {
    write(text);
    WorkerConfig c;
    try {
      worker_settings().apply_toml_file(c, path_);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path path_;
};

TEST_F(ConfigFile, AppliesGroupedSettings) {
  write(R"(model = "/m"
listen = "unix:/tmp/x.sock"
queue_capacity = 10
cache_mib = 0
monitor_interval_ms = 500
[limits]
max_texts_per_request = 5
max_text_tokens = 200
[batching]
max_batch_texts = 4
max_wait_us = 100
[decoding]
beam_size = 1
repetition_penalty = 1.2
disable_unk = true
max_input_length = 0
)");
  WorkerConfig c;
  worker_settings().apply_toml_file(c, path_);
  EXPECT_EQ(c.model_dir, "/m");
  EXPECT_EQ(c.listen, "unix:/tmp/x.sock");
  EXPECT_EQ(c.queue_capacity, 10);
  EXPECT_EQ(c.cache_bytes(), 0u);
  EXPECT_EQ(c.monitor_interval.count(), 500);
  EXPECT_EQ(c.limits.max_texts_per_request, 5);
  EXPECT_EQ(c.limits.max_text_tokens, 200);
  EXPECT_EQ(c.batching.max_batch_texts, 4);
  EXPECT_EQ(c.batching.max_wait.count(), 100);
  EXPECT_EQ(c.default_options.decoding.beam_size, 1);
  EXPECT_FLOAT_EQ(c.default_options.decoding.repetition_penalty, 1.2f);
  EXPECT_TRUE(c.default_options.decoding.disable_unk);
  EXPECT_NO_THROW(validate(c));
}

TEST_F(ConfigFile, RefusesWhatItDoesNotUnderstandNamingTheKeyAndLine) {
  const std::string file = path_.string();
  EXPECT_THAT(error_of("queue_capacty = 3"),
              HasSubstr(file + ":1: unknown setting \"queue_capacty\" (known: model, listen"));
  EXPECT_THAT(error_of("[limits]\nmax_texts = 3"),
              HasSubstr(file + ":2: unknown setting \"limits.max_texts\" (known in [limits]: "
                               "max_texts_per_request"));
  EXPECT_THAT(error_of("threads = \"four\""),
              HasSubstr(file + ":1: \"threads\" must be an integer in [0, 1024], got \"four\""));
  EXPECT_THAT(error_of("\nqueue_capacity = 0"),
              HasSubstr(file + ":2: \"queue_capacity\" must be an integer in [1, 2147483647], "
                               "got 0"));
  EXPECT_THAT(error_of("limits = 3"), HasSubstr("\"limits\" must be a table of settings"));
  EXPECT_THAT(error_of("[decoding]\ndisable_unk = 1"),
              HasSubstr(":2: \"decoding.disable_unk\" must be true or false, got 1"));
  EXPECT_THAT(error_of("threads = [1"), HasSubstr("not valid TOML"));
}

TEST_F(ConfigFile, AnOldJsonFileIsToldItIsJson) {
  EXPECT_THAT(error_of(R"({"queue_capacity": 4, "limits": {"max_texts_per_request": 4}})"),
              HasSubstr("this looks like JSON: settings files are TOML, with the same keys"));
}

TEST_F(ConfigFile, BadInputChangesNothing) {
  write("queue_capacity = 7\nthreads = -1\n");
  WorkerConfig c;
  EXPECT_THROW(worker_settings().apply_toml_file(c, path_), InvalidArgument);
  EXPECT_EQ(c.queue_capacity, WorkerConfig().queue_capacity);
}

TEST_F(ConfigFile, MissingFileIsAnIoError) {
  WorkerConfig c;
  EXPECT_THROW(worker_settings().apply_toml_file(c, "/no/such/file.toml"), IoError);
}

TEST_F(ConfigFile, EachSourceOverridesTheOneBefore) {
  const auto& registry = worker_settings();
  write("threads = 2\ncache_mib = 5\n[batching]\nmax_wait_us = 7\n");
  WorkerConfig c;
  registry.apply_toml_file(c, path_);
  EXPECT_EQ(c.threads, 2);
  registry.apply_environment(c, {{"NMTD_WORKER_THREADS", "3"}, {"NMTD_WORKER_CACHE_MIB", "6"}});
  EXPECT_EQ(c.threads, 3);    // environment over the file
  EXPECT_EQ(c.cache_mib, 6);  // environment over the file
  registry.set(c, "threads", "4", "flag --threads");
  EXPECT_EQ(c.threads, 4);                                     // the flag over the environment
  EXPECT_EQ(c.cache_mib, 6);                                   // what no later source names stays
  EXPECT_EQ(c.batching.max_wait.count(), 7);                   // the file's, named by nothing later
  EXPECT_EQ(c.queue_capacity, WorkerConfig().queue_capacity);  // the default
}

TEST(WorkerEnvironment, NamesTheVariableOfABadValueAndChangesNothing) {
  WorkerConfig c;
  try {
    worker_settings().apply_environment(
        c, {{"NMTD_WORKER_QUEUE_CAPACITY", "9"}, {"NMTD_WORKER_LIMITS_MAX_TEXT_TOKENS", "2"}});
    FAIL() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "environment variable NMTD_WORKER_LIMITS_MAX_TEXT_TOKENS: "
                 "\"limits.max_text_tokens\" must be an integer in [3, 2147483647], got \"2\"");
  }
  EXPECT_EQ(c.queue_capacity, WorkerConfig().queue_capacity);
}

TEST(WorkerEnvironment, ReturnsItsVariablesThatNameNoSetting) {
  WorkerConfig c;
  const auto ignored = worker_settings().apply_environment(
      c, {{"NMTD_WORKER_QUEUE_CAPACTY", "9"}, {"NMTD_PORT", "1"}, {"NMTD_WORKER_THREADS", "1"}});
  EXPECT_EQ(ignored, std::vector<std::string>{"NMTD_WORKER_QUEUE_CAPACTY"});
  EXPECT_EQ(c.threads, 1);
}

TEST(WorkerFlags, NameTheFlagOfABadValue) {
  WorkerConfig c;
  try {
    worker_settings().set(c, "batching.max_wait_us", "-1", "flag --batch-wait-us");
    FAIL() << "no error";
  } catch (const InvalidArgument& e) {
    EXPECT_STREQ(e.what(),
                 "flag --batch-wait-us: \"batching.max_wait_us\" must be an integer number of "
                 "microseconds in [0, 10000000], got \"-1\"");
  }
  EXPECT_THROW(worker_settings().set(c, "no_such", "1", "flag --no-such"), InvalidArgument);
}

TEST(WorkerConfig, DebugStartDelayNeedsFaultInjection) {
  WorkerConfig c;
  c.debug_start_delay = std::chrono::milliseconds(10);
  EXPECT_THAT([&] { validate(c); },
              ::testing::ThrowsMessage<InvalidArgument>(HasSubstr("debug.fault_injection")));
  c.debug_fault_injection = true;
  EXPECT_NO_THROW(validate(c));
}

TEST(WorkerConfig, DefaultsAreValidAndDoNotTruncate) {
  WorkerConfig c;
  EXPECT_NO_THROW(validate(c));
  EXPECT_EQ(c.default_options.max_input_length, 0);
  EXPECT_EQ(c.listen, "127.0.0.1:50051");
}

TEST(WorkerConfig, RefusesBoundsThatCannotWork) {
  WorkerConfig c;
  c.queue_capacity = 8;  // smaller than a request may be
  EXPECT_THROW(validate(c), InvalidArgument);
  c = WorkerConfig();
  c.batching.max_batch_tokens = 100;  // a text of 1024 tokens could never be batched
  EXPECT_THROW(validate(c), InvalidArgument);
  c = WorkerConfig();
  c.default_options.decoding.beam_size = 0;
  EXPECT_THROW(validate(c), InvalidArgument);
}

TEST(ListenAddress, ParsesTheThreeForms) {
  EXPECT_EQ(parse_listen_address("unix:/tmp/a.sock").unix_path, "/tmp/a.sock");
  EXPECT_EQ(parse_listen_address("unix:///tmp/a.sock").grpc_uri, "unix:/tmp/a.sock");
  EXPECT_EQ(parse_listen_address("0.0.0.0:80").grpc_uri, "0.0.0.0:80");
  EXPECT_EQ(parse_listen_address("50051").grpc_uri, "127.0.0.1:50051");  // loopback default
  EXPECT_EQ(parse_listen_address("[::1]:7").grpc_uri, "[::1]:7");
  EXPECT_THROW(parse_listen_address("unix:"), InvalidArgument);
  EXPECT_THROW(parse_listen_address("host:port"), InvalidArgument);
  EXPECT_THROW(parse_listen_address("host:70000"), InvalidArgument);
  EXPECT_THROW(parse_listen_address("unix:/" + std::string(200, 'x')), InvalidArgument);
}

}  // namespace
}  // namespace nmtd::worker
