#include "settings/value_text.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>

namespace nmtd::settings {
namespace {

struct Unit {
  std::string_view suffix;
  long long ms;
};

// Longest suffix first, so that "ms" is not read as "m" followed by garbage.
constexpr std::array<Unit, 5> kUnits = {{
    {"ms", 1},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
}};

// Far beyond any bound in the settings table, and far from overflowing a long long.
constexpr long long kDurationCapMs = 1'000'000'000'000'000LL;

}  // namespace

std::optional<long long> parse_integer(std::string_view text) {
  long long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::optional<double> parse_real(std::string_view text) {
  double value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) return std::nullopt;
  return value;
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (const auto ms = parse_integer(text)) {
    if (*ms < 0 || *ms > kDurationCapMs) return std::nullopt;
    return std::chrono::milliseconds(*ms);
  }
  long long total = 0;
  while (!text.empty()) {
    long long amount = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
    if (ec != std::errc() || amount < 0 || ptr == text.data()) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(ptr - text.data()));
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.starts_with(u.suffix)) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return std::nullopt;  // "1h30" or "5x": a number needs its unit
    text.remove_prefix(unit->suffix.size());
    if (amount > kDurationCapMs / unit->ms) return std::nullopt;
    total += amount * unit->ms;
    if (total > kDurationCapMs) return std::nullopt;
  }
  return std::chrono::milliseconds(total);
}

std::string format_duration(std::chrono::milliseconds duration) {
  const long long ms = duration.count();
  if (ms == 0) return "0";
  // Hours are the largest unit written: "168h" reads more plainly in a config than "7d".
  for (const Unit& u : {kUnits[2], kUnits[3], kUnits[4]}) {
    if (ms % u.ms == 0) return std::to_string(ms / u.ms) + std::string(u.suffix);
  }
  return std::to_string(ms) + "ms";
}

std::string format_number(double value) {
  // Whole numbers as integers: "1000000", not the shortest form "1e+06".
  if (std::trunc(value) == value && std::fabs(value) < 1e15)
    return std::to_string(static_cast<long long>(value));
  std::array<char, 64> buffer{};
  const auto [ptr, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec != std::errc()) return "nan";  // cannot happen with 64 chars; keeps the output defined
  return std::string(buffer.data(), ptr);
}

std::string toml_quote(std::string_view text) {
  std::string out = "\"";
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          std::array<char, 8> escaped{};
          std::snprintf(escaped.data(), escaped.size(), "\\u%04X", byte);
          out += escaped.data();
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

}  // namespace nmtd::settings
