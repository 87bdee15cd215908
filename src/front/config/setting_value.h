#pragma once
// Reading one setting's value (from TOML, or from text as the environment and the command line
// give it), checking it against the setting's bounds, and writing it back out. Every error
// message has one shape: `<where>: "<name>" must be <what is allowed>, got <what came>`.
#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "front/config/settings.h"

namespace nmtd::front {

// Stores a TOML value into the setting; `where` names the file (and line). Throws
// InvalidArgument for a wrong type or an out-of-bounds value; `config` is then unchanged.
void assign_toml(const Setting& setting, FrontConfig& config, const toml::node& value,
                 std::string_view where);

// The same for text: an environment variable's value or a flag's argument.
void assign_text(const Setting& setting, FrontConfig& config, std::string_view text,
                 std::string_view where);

// Throws InvalidArgument when the setting's current value is outside its bounds or choices
// (a FrontConfig built in code never went through assign_*).
void check_value(const Setting& setting, const FrontConfig& config);

// What the setting accepts, as the error messages and the docs say it: "an integer in
// [0, 65535]", "one of \"trace\", \"debug\", ...".
std::string allowed_text(const Setting& setting);

// The bounds as the docs show them: "[0, 65535]", "[0, 720h]"; "" for text settings.
std::string bounds_text(const Setting& setting);

// The value as TOML: a quoted string, a number, a duration such as "12h".
std::string format_toml(const Setting& setting, const FrontConfig& config);

// The value as a worker flag's argument: durations in milliseconds, strings unquoted.
std::string format_plain(const Setting& setting, const FrontConfig& config);

// The value as the docs show a default: durations as "12h", an empty path as "none".
std::string format_doc(const Setting& setting, const FrontConfig& config);

}  // namespace nmtd::front
