// The key file (its format and its errors), the comparison, and each key's request limit.
#include "front/libretranslate/api_keys.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "common/error.h"

namespace nmtd::libretranslate {
namespace {

using namespace std::chrono_literals;

std::string parse_error(std::string_view text) {
  try {
    parse_api_keys(text, "keys.txt");
  } catch (const InvalidArgument& e) {
    return e.what();
  }
  return "";
}

TEST(ApiKeyFile, KeysLimitsCommentsAndBlankLines) {
  const auto keys = parse_api_keys(
      "# issued 2026-12-01\n\nalpha-1\n  beta_2\t60  \r\n# gamma retired\ndelta 1\n", "keys.txt");
  EXPECT_EQ(keys, (std::vector<ApiKey>{{.key = "alpha-1"},
                                       {.key = "beta_2", .requests_per_minute = 60},
                                       {.key = "delta", .requests_per_minute = 1}}));
  EXPECT_TRUE(parse_api_keys("", "keys.txt").empty());
  EXPECT_TRUE(parse_api_keys("# none yet\n", "keys.txt").empty());
}

TEST(ApiKeyFile, ErrorsNameTheLineButNeverTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ok\nsecret 10 extra\n", "keys.txt:2: expected a key and at most a limit"},
      {"secret 0\n", "keys.txt:1: the limit must be a whole number"},
      {"secret -5\n", "keys.txt:1: the limit must be"},
      {"secret 1.5\n", "keys.txt:1: the limit must be"},
      {"secret ten\n", "keys.txt:1: the limit must be"},
      {"a\nsecret\n\nsecret 5\n", "keys.txt:4: this key is on an earlier line too"},
      {std::string("sec\0ret\n", 8), "keys.txt:1: a key is printable ASCII"},
      {"s\xc3\xa9"
       "cret\n",
       "keys.txt:1: a key is printable ASCII"},
      {std::string(257, 'k'), "keys.txt:1: the key is longer than 256 characters"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string error = parse_error(text);
    EXPECT_EQ(error.rfind(expected, 0), 0u) << text << " -> " << error;
    EXPECT_EQ(error.find("secret"), std::string::npos) << error;
  }
}

TEST(ApiKeyFile, ReadsAFileAndRefusesWhatIsNotOne) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("nmtd-keys-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "keys") << "k1 5\nk2\n";
  EXPECT_EQ(read_api_keys_file(dir / "keys").size(), 2u);
  EXPECT_THROW(read_api_keys_file(dir / "missing"), IoError);
  EXPECT_THROW(read_api_keys_file(dir), IoError);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_THROW(read_api_keys_file(dir / "fifo"), IoError);  // refused, not waited on
  std::ofstream(dir / "bad") << "k1 none\n";
  EXPECT_THROW(read_api_keys_file(dir / "bad"), InvalidArgument);
  std::filesystem::remove_all(dir);
}

TEST(ApiKeyCompare, EqualOnlyWhenEveryByteAndTheLengthMatch) {
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secreT", "secret"));
  EXPECT_FALSE(constant_time_equal("secre", "secret"));
  EXPECT_FALSE(constant_time_equal("secrets", "secret"));
  EXPECT_FALSE(constant_time_equal("", "secret"));
  EXPECT_FALSE(constant_time_equal(std::string("secret\0", 7), "secret"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(ApiKeyLimits, ABucketOfOneMinuteRefilledAtTheKeysRate) {
  ApiKeys keys({{.key = "a", .requests_per_minute = 60}, {.key = "b"}});
  const auto t0 = ApiKeys::Clock::now();
  EXPECT_EQ(keys.admit("nope", 1, t0).verdict, KeyVerdict::kUnknown);
  EXPECT_EQ(keys.admit("a", 60, t0).verdict, KeyVerdict::kAccepted);
  const KeyDecision over = keys.admit("a", 1, t0);
  EXPECT_EQ(over.verdict, KeyVerdict::kOverLimit);
  EXPECT_EQ(over.requests_per_minute, 60);
  EXPECT_EQ(keys.admit("a", 1, t0 + 500ms).verdict, KeyVerdict::kOverLimit);
  EXPECT_EQ(keys.admit("a", 1, t0 + 1100ms).verdict, KeyVerdict::kAccepted);  // one a second
  EXPECT_EQ(keys.admit("a", 1, t0 + 1100ms).verdict, KeyVerdict::kOverLimit);
  EXPECT_EQ(keys.admit("a", 61, t0 + 1h).verdict, KeyVerdict::kOverLimit);  // never above 60
  EXPECT_EQ(keys.admit("a", 60, t0 + 1h).verdict, KeyVerdict::kAccepted);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(keys.admit("b", 1, t0).verdict, KeyVerdict::kAccepted);
}

TEST(ApiKeyLimits, AReloadKeepsWhatAStayingKeyHasUsed) {
  ApiKeys keys({{.key = "a", .requests_per_minute = 10}, {.key = "gone"}});
  const auto t0 = ApiKeys::Clock::now();
  EXPECT_EQ(keys.admit("a", 10, t0).verdict, KeyVerdict::kAccepted);
  keys.replace({{.key = "a", .requests_per_minute = 10}, {.key = "new", .requests_per_minute = 1}});
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys.admit("a", 1, t0).verdict, KeyVerdict::kOverLimit);
  EXPECT_EQ(keys.admit("gone", 1, t0).verdict, KeyVerdict::kUnknown);
  EXPECT_EQ(keys.admit("new", 1).verdict, KeyVerdict::kAccepted);
}

}  // namespace
}  // namespace nmtd::libretranslate
