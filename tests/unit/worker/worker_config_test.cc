#include "worker/worker_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/error.h"
#include "worker/listen_address.h"

namespace nmtd::worker {
namespace {

using ::testing::HasSubstr;

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("nmtd-config-" + std::to_string(::getpid()) + ".json");
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void write(const std::string& text) { std::ofstream(path_) << text; }
  std::string error_of(const std::string& text) {
    write(text);
    WorkerConfig c;
    try {
      apply_config_file(path_, c);
    } catch (const InvalidArgument& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path path_;
};

TEST_F(ConfigFile, AppliesNestedSettings) {
  write(R"({"model": "/m", "listen": "unix:/tmp/x.sock", "queue_capacity": 10,
            "cache_bytes": 0, "monitor_interval_ms": 500,
            "limits": {"max_texts_per_request": 5, "max_text_tokens": 200},
            "batching": {"max_batch_texts": 4, "max_wait_us": 100},
            "decoding": {"beam_size": 1, "repetition_penalty": 1.2, "max_input_length": 0}})");
  WorkerConfig c;
  apply_config_file(path_, c);
  EXPECT_EQ(c.model_dir, "/m");
  EXPECT_EQ(c.listen, "unix:/tmp/x.sock");
  EXPECT_EQ(c.queue_capacity, 10);
  EXPECT_EQ(c.cache_bytes, 0u);
  EXPECT_EQ(c.monitor_interval.count(), 500);
  EXPECT_EQ(c.limits.max_texts_per_request, 5);
  EXPECT_EQ(c.limits.max_text_tokens, 200);
  EXPECT_EQ(c.batching.max_batch_texts, 4);
  EXPECT_EQ(c.batching.max_wait.count(), 100);
  EXPECT_EQ(c.default_options.decoding.beam_size, 1);
  EXPECT_FLOAT_EQ(c.default_options.decoding.repetition_penalty, 1.2f);
  EXPECT_NO_THROW(c.validate());
}

TEST_F(ConfigFile, RefusesWhatItDoesNotUnderstandNamingIt) {
  EXPECT_THAT(error_of(R"({"queue_capacty": 3})"), HasSubstr("unknown setting \"queue_capacty\""));
  EXPECT_THAT(error_of(R"({"limits": {"max_texts": 3}})"),
              HasSubstr("unknown setting \"limits.max_texts\""));
  EXPECT_THAT(error_of(R"({"threads": "four"})"), HasSubstr("\"threads\" must be an integer"));
  EXPECT_THAT(error_of(R"({"queue_capacity": 0})"), HasSubstr("must be in [1,"));
  EXPECT_THAT(error_of(R"({"limits": 3})"), HasSubstr("limits must be a JSON object"));
  EXPECT_THAT(error_of("{not json"), HasSubstr("not valid JSON"));
  EXPECT_THAT(error_of("[1, 2]"), HasSubstr("must be a JSON object"));
}

TEST_F(ConfigFile, MissingFileIsAnIoError) {
  WorkerConfig c;
  EXPECT_THROW(apply_config_file("/no/such/file.json", c), IoError);
}

TEST(WorkerConfig, DefaultsAreValidAndDoNotTruncate) {
  WorkerConfig c;
  EXPECT_NO_THROW(c.validate());
  EXPECT_EQ(c.default_options.max_input_length, 0);
  EXPECT_EQ(c.listen, "127.0.0.1:50051");
}

TEST(WorkerConfig, RefusesBoundsThatCannotWork) {
  WorkerConfig c;
  c.queue_capacity = 8;  // smaller than a request may be
  EXPECT_THROW(c.validate(), InvalidArgument);
  c = WorkerConfig();
  c.batching.max_batch_tokens = 100;  // a text of 1024 tokens could never be batched
  EXPECT_THROW(c.validate(), InvalidArgument);
  c = WorkerConfig();
  c.default_options.decoding.beam_size = 0;
  EXPECT_THROW(c.validate(), InvalidArgument);
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
