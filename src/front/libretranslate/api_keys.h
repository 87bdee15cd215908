#pragma once
// LibreTranslate's API keys, from a key file the operator edits and reloads (SIGHUP):
//
//   # comment lines and blank lines are ignored
//   KEY                 a key with no request limit
//   KEY 120             a key allowed 120 requests per minute (a batch counts once per text)
//
// A key is 1 to 256 printable ASCII characters without spaces; no two lines may hold the same
// key. Presented keys are compared with every key in time that does not depend on how much of
// the presented key matches. Each key's limit is a token bucket refilled at its rate, holding at
// most one minute's worth: like LibreTranslate's moving window, at most N per minute on average,
// and a burst of up to N after a quiet minute.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace nmtd::libretranslate {

struct ApiKey {
  std::string key;
  int requests_per_minute = 0;  // 0: no limit
  bool operator==(const ApiKey&) const = default;
};

// The keys of a key file's text. Throws InvalidArgument naming `source`, the line and what is
// wrong (never the key itself: error texts reach logs).
std::vector<ApiKey> parse_api_keys(std::string_view text, const std::string& source);

// Reads and parses a key file. Throws IoError (cannot read; not a regular file) or
// InvalidArgument (bad content).
std::vector<ApiKey> read_api_keys_file(const std::filesystem::path& file);

enum class KeyVerdict { kAccepted, kUnknown, kOverLimit };

struct KeyDecision {
  KeyVerdict verdict = KeyVerdict::kUnknown;
  int requests_per_minute = 0;  // the key's limit, for the 429 text
};

// The keys in force. Thread-safe: requests call admit() while a reload calls replace().
class ApiKeys {
 public:
  using Clock = std::chrono::steady_clock;

  explicit ApiKeys(std::vector<ApiKey> keys);

  // Puts `keys` in force. A key that stays keeps what it has used of its allowance, so a
  // reload does not reset the limits.
  void replace(std::vector<ApiKey> keys);
  // Whether `presented` is a key, and if so charges `cost` requests to it (nothing is charged
  // when the request is refused).
  KeyDecision admit(std::string_view presented, int cost, Clock::time_point now = Clock::now());
  std::size_t size() const;

 private:
  struct Entry {
    ApiKey key;
    double tokens = 0;  // requests it may make now
    Clock::time_point refilled;
  };
  static std::vector<Entry> fresh_entries(std::vector<ApiKey> keys);

  mutable std::mutex mutex_;
  std::vector<Entry> entries_;
};

// Equality of `presented` and `key` in time that depends on key.size() only: every byte of
// the key is compared, and the lengths are folded into the same result.
bool constant_time_equal(std::string_view presented, std::string_view key);

}  // namespace nmtd::libretranslate
