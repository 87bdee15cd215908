#pragma once
// Text helpers shared by the report writers: numbers as people read them, and HTML escaping
// (every string in a record comes from outside — process names, chaos notes — so none may
// reach the page as markup).
#include <string>
#include <string_view>

namespace nmtd::soak {

// Escapes & < > " ' so that the text is inert both in element content and in attributes.
std::string html_escape(std::string_view text);

// A number as a person reads it: three significant digits, no exponent, no trailing zeros
// ("5.03", "1234", "0.5", "0"). Non-finite values come out as "-".
std::string format_number(double value);

// A rate in the unit of a SlopeEntry: "3.2 MiB/h", "6/h".
std::string format_rate(double value, std::string_view unit);

// A duration: "45 s", "12 min 5 s", "2 h 3 min".
std::string format_duration(double seconds);

}  // namespace nmtd::soak
