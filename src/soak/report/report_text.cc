#include "soak/report/report_text.h"

#include <cmath>
#include <cstdio>

namespace nmtd::soak {

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string format_number(double value) {
  if (!std::isfinite(value)) return "-";
  if (value == 0) return "0";  // also turns -0 into "0"
  const double magnitude = std::fabs(value);
  // Three significant digits, but never an exponent: large values keep all their digits.
  const int decimals = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  std::string out = text;
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  if (out == "-0") out = "0";  // a tiny negative value rounded away
  return out;
}

std::string format_rate(double value, std::string_view unit) {
  if (unit == "1/h") return format_number(value) + "/h";
  return format_number(value) + " " + std::string(unit);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "-";
  const auto whole = static_cast<long long>(std::llround(seconds));
  if (whole < 60) return format_number(seconds < 10 ? seconds : std::round(seconds)) + " s";
  const long long hours = whole / 3600;
  const long long minutes = whole % 3600 / 60;
  const long long secs = whole % 60;
  std::string out;
  if (hours > 0) {
    out = std::to_string(hours) + " h";
    if (minutes > 0) out += " " + std::to_string(minutes) + " min";
    return out;
  }
  out = std::to_string(minutes) + " min";
  if (secs > 0) out += " " + std::to_string(secs) + " s";
  return out;
}

}  // namespace nmtd::soak
