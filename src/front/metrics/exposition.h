#pragma once
// The small print of Prometheus' text exposition format 0.0.4, kept apart from the registry so
// that each rule can be tested on its own: which names are legal, how label values and HELP
// lines are escaped, and how numbers are written so that every parser reads them back exactly.
#include <string>
#include <string_view>

namespace nmtd::metrics {

// [a-zA-Z_:][a-zA-Z0-9_:]*
bool valid_metric_name(std::string_view name);

// [a-zA-Z_][a-zA-Z0-9_]*, and not starting with "__" (reserved for Prometheus itself).
bool valid_label_name(std::string_view name);

// Label values: backslash, double quote and line feed become \\, \" and \n.
std::string escape_label_value(std::string_view value);

// HELP text: backslash and line feed become \\ and \n (quotes stay as they are).
std::string escape_help(std::string_view help);

// +Inf, -Inf, NaN, or the shortest decimal that reads back as the same double ("1", "0.25",
// "1e+21"): Go's ParseFloat and Python's float() both accept every form written here.
std::string format_value(double value);

}  // namespace nmtd::metrics
