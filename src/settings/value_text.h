#pragma once
// Values as text: strict parsers (the whole text or nothing: "80 " is not a port) and
// formatters whose output the parsers read back to the same value.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace nmtd::settings {

std::optional<long long> parse_integer(std::string_view text);
std::optional<double> parse_real(std::string_view text);  // finite numbers only

// "12h", "30m", "45s", "250ms", "2d", compounds such as "1h30m", or bare digits, read as
// milliseconds (what an environment variable naturally holds).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// The largest unit that divides the duration exactly: "12h", "90s", "1500ms"; 0 is "0".
std::string format_duration(std::chrono::milliseconds duration);

// Shortest text that reads back to the same double; whole numbers without a fraction.
std::string format_number(double value);

// A TOML basic string: quoted, with quotes, backslashes and control characters escaped.
std::string toml_quote(std::string_view text);

}  // namespace nmtd::settings
