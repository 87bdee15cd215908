#pragma once
// Reading one setting's value (from TOML, or from text as the environment and the command line
// give it), checking it against the setting's bounds, and writing it back out. Every error
// message has one shape: `<where>: "<name>" must be <what is allowed>, got <what came>`.
#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "settings/setting.h"

namespace nmtd::settings {

// Stores a TOML value into the setting; `where` names the source (file and line). Throws
// InvalidArgument for a wrong type or an out-of-bounds value; the value is then unchanged.
void assign_toml(const SettingSpec& setting, ValueRef value, const toml::node& node,
                 std::string_view where);

// The same for text: an environment variable's value or a flag's argument.
void assign_text(const SettingSpec& setting, ValueRef value, std::string_view text,
                 std::string_view where);

// Throws InvalidArgument when the value is outside the setting's bounds or choices (a config
// built in code never went through assign_*).
void check_value(const SettingSpec& setting, ValueRef value);

// What the setting accepts, as the error messages and the docs say it: "an integer in
// [0, 65535]", "one of \"trace\", \"debug\", ...".
std::string allowed_text(const SettingSpec& setting);

// The bounds as the docs show them: "[0, 65535]", "[0, 720h]"; "" for text and switches.
std::string bounds_text(const SettingSpec& setting);

// The value as TOML: a quoted string, a number, a duration such as "12h", true or false.
std::string format_toml(const SettingSpec& setting, ValueRef value);

// The value as a flag's argument: durations in milliseconds, strings unquoted.
std::string format_plain(const SettingSpec& setting, ValueRef value);

// The value as the docs show a default: durations as "12h", an empty path as "none".
std::string format_doc(const SettingSpec& setting, ValueRef value);

// The same over a setting of a config struct. Reading goes through a copy, so that a const
// config stays untouched by construction (the fields hand out references to write through).
template <typename Config>
void assign_toml(const Setting<Config>& setting, Config& config, const toml::node& node,
                 std::string_view where) {
  assign_toml(setting.spec(), setting.ref(config), node, where);
}
template <typename Config>
void assign_text(const Setting<Config>& setting, Config& config, std::string_view text,
                 std::string_view where) {
  assign_text(setting.spec(), setting.ref(config), text, where);
}
template <typename Config>
void check_value(const Setting<Config>& setting, const Config& config) {
  Config copy = config;
  check_value(setting.spec(), setting.ref(copy));
}
template <typename Config>
std::string format_toml(const Setting<Config>& setting, const Config& config) {
  Config copy = config;
  return format_toml(setting.spec(), setting.ref(copy));
}
template <typename Config>
std::string format_plain(const Setting<Config>& setting, const Config& config) {
  Config copy = config;
  return format_plain(setting.spec(), setting.ref(copy));
}
template <typename Config>
std::string format_doc(const Setting<Config>& setting, const Config& config) {
  Config copy = config;
  return format_doc(setting.spec(), setting.ref(copy));
}
template <typename Config>
std::string allowed_text(const Setting<Config>& setting) {
  return allowed_text(setting.spec());
}
template <typename Config>
std::string bounds_text(const Setting<Config>& setting) {
  return bounds_text(setting.spec());
}

}  // namespace nmtd::settings
