#include "front/libretranslate/api_keys.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "common/error.h"

namespace nmtd::libretranslate {

namespace {

constexpr std::size_t kMaxKeyLength = 256;
constexpr int kMaxRequestsPerMinute = 1'000'000'000;
constexpr std::uintmax_t kMaxFileBytes = 16u << 20;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// The whitespace-separated words of a line.
std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_space(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_space(line[i])) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

bool constant_time_equal(std::string_view presented, std::string_view key) {
  // Volatile: the compiler must not turn the loop into one that stops at the first mismatch.
  volatile unsigned char diff = presented.size() == key.size() ? 0 : 1;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const unsigned char p = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    diff = diff | static_cast<unsigned char>(p ^ static_cast<unsigned char>(key[i]));
  }
  return diff == 0;
}

std::vector<ApiKey> parse_api_keys(std::string_view text, const std::string& source) {
  std::vector<ApiKey> keys;
  std::set<std::string, std::less<>> seen;
  int number = 0;
  for (std::size_t pos = 0; pos <= text.size();) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++number;
    const auto fail = [&](const std::string& what) {
      throw InvalidArgument(source + ":" + std::to_string(number) + ": " + what);
    };
    const auto w = words(line);
    if (w.empty() || w[0].starts_with('#')) continue;
    if (w.size() > 2)
      fail("expected a key and at most a limit of requests per minute, found " +
           std::to_string(w.size()) + " words");
    const std::string_view key = w[0];
    if (key.size() > kMaxKeyLength)
      fail("the key is longer than " + std::to_string(kMaxKeyLength) + " characters");
    if (!std::all_of(key.begin(), key.end(), [](char c) { return c > ' ' && c < 0x7f; }))
      fail("a key is printable ASCII (no control characters, no non-ASCII bytes)");
    if (!seen.insert(std::string(key)).second) fail("this key is on an earlier line too");
    ApiKey k{.key = std::string(key)};
    if (w.size() == 2) {
      const std::string_view limit = w[1];
      const auto [ptr, ec] =
          std::from_chars(limit.data(), limit.data() + limit.size(), k.requests_per_minute);
      if (ec != std::errc() || ptr != limit.data() + limit.size() || k.requests_per_minute < 1 ||
          k.requests_per_minute > kMaxRequestsPerMinute)
        fail("the limit must be a whole number of requests per minute from 1 to " +
             std::to_string(kMaxRequestsPerMinute) + " (or nothing, for no limit)");
    }
    keys.push_back(std::move(k));
  }
  return keys;
}

std::vector<ApiKey> read_api_keys_file(const std::filesystem::path& file) {
  std::error_code ec;
  const auto status = std::filesystem::status(file, ec);
  if (ec) throw IoError("cannot read the API key file " + file.string() + ": " + ec.message());
  // A FIFO would block the reload (or the start) forever.
  if (!std::filesystem::is_regular_file(status))
    throw IoError("the API key file " + file.string() + " is not a regular file");
  if (std::filesystem::file_size(file, ec) > kMaxFileBytes)
    throw IoError("the API key file " + file.string() + " is larger than 16 MiB");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw IoError("cannot read the API key file " + file.string());
  return parse_api_keys(text.str(), file.string());
}

std::vector<ApiKeys::Entry> ApiKeys::fresh_entries(std::vector<ApiKey> keys) {
  std::vector<Entry> entries;
  entries.reserve(keys.size());
  const auto now = Clock::now();
  for (ApiKey& k : keys) {
    const double full = k.requests_per_minute;
    entries.push_back(Entry{std::move(k), full, now});
  }
  return entries;
}

ApiKeys::ApiKeys(std::vector<ApiKey> keys) : entries_(fresh_entries(std::move(keys))) {}

void ApiKeys::replace(std::vector<ApiKey> keys) {
  std::vector<Entry> next = fresh_entries(std::move(keys));
  std::lock_guard lock(mutex_);
  for (Entry& e : next) {
    const auto old = std::find_if(entries_.begin(), entries_.end(),
                                  [&](const Entry& o) { return o.key.key == e.key.key; });
    if (old == entries_.end()) continue;
    e.tokens = std::min(old->tokens, static_cast<double>(e.key.requests_per_minute));
    e.refilled = old->refilled;
  }
  entries_ = std::move(next);
}

KeyDecision ApiKeys::admit(std::string_view presented, int cost, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  Entry* match = nullptr;
  for (Entry& e : entries_) {  // every key, match or not
    if (constant_time_equal(presented, e.key.key)) match = &e;
  }
  if (match == nullptr) return {KeyVerdict::kUnknown, 0};
  const int limit = match->key.requests_per_minute;
  if (limit == 0) return {KeyVerdict::kAccepted, 0};
  const double elapsed_minutes =
      std::chrono::duration<double, std::ratio<60>>(now - match->refilled).count();
  if (elapsed_minutes > 0) {
    match->tokens = std::min<double>(limit, match->tokens + elapsed_minutes * limit);
    match->refilled = now;
  }
  if (match->tokens < cost) return {KeyVerdict::kOverLimit, limit};
  match->tokens -= cost;
  return {KeyVerdict::kAccepted, limit};
}

std::size_t ApiKeys::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace nmtd::libretranslate
