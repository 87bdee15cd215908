#pragma once
// One setting of a process's configuration, as a row of that process's settings table: its
// dotted name (the TOML key; the environment variable is the table's prefix plus the name in
// upper case with '_' for '.'), the kind of value it takes, where it lives in the config struct,
// its bounds, its flag and its doc. `nmtd serve` (front/config/settings.cc) and `nmtd worker`
// (worker/worker_settings.cc) each have one table; everything else (files, environment, flags,
// checks, printed configuration, docs) is the same code over either.
#include <array>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace nmtd::settings {

enum class SettingKind {
  kString,    // TOML string; when `choices` is not empty, one of them
  kPath,      // TOML string; empty means "not set"
  kInteger,   // TOML integer within [min, max]
  kReal,      // TOML float or integer within [min, max]
  kMillis,    // TOML integer, milliseconds (names end in _ms)
  kMicros,    // TOML integer, microseconds (names end in _us)
  kDuration,  // TOML integer (milliseconds) or a string such as "12h", "30m", "45s", "1h30m"
  kBool,      // TOML true or false; as text, "true" or "false"; as a flag, a switch
};

// Where a setting's value is, in one config struct.
using ValueRef =
    std::variant<int*, double*, std::string*, std::filesystem::path*, std::chrono::milliseconds*,
                 std::chrono::microseconds*, bool*, std::size_t*, float*>;

// Where a setting lives: a function returning a reference to its member. A plain function
// pointer per type keeps the table a constant with no captured state.
template <typename Config>
using SettingField =
    std::variant<int& (*)(Config&), double& (*)(Config&), std::string& (*)(Config&),
                 std::filesystem::path& (*)(Config&), std::chrono::milliseconds& (*)(Config&),
                 std::chrono::microseconds& (*)(Config&), bool& (*)(Config&),
                 std::size_t& (*)(Config&), float& (*)(Config&)>;

// A kString setting's allowed values, `{"a", "b"}`; none: any. An aggregate array rather than a
// vector: GCC 12 fails (internal error) on a member with a constructor in this class template.
struct Choices {
  std::array<std::string_view, 16> values;  // the first empty one ends the list

  std::span<const std::string_view> all() const {
    std::size_t n = 0;
    while (n < values.size() && !values[n].empty()) ++n;
    return {values.data(), n};
  }
};

// A setting apart from where it lives: what the checks, messages and docs need.
struct SettingSpec {
  std::string_view name;
  SettingKind kind;
  double min;
  double max;
  std::span<const std::string_view> choices;
  std::string_view default_text;
};

template <typename Config>
struct Setting {
  std::string_view name{};  // "supervision.health_interval_ms"
  SettingKind kind{};
  SettingField<Config> field{};
  double min = 0;  // numbers: inclusive bounds in the kind's unit (ms for durations)
  double max = 0;
  Choices choices{};                // kString: the allowed values; empty: any
  std::string_view flag{};          // the command-line flag that sets it; empty: none
  std::string_view worker_flag{};   // the front's: passed on to `nmtd worker` as this
  std::string_view default_text{};  // shown in the docs instead of the computed default
  std::string_view doc{};           // one line

  SettingSpec spec() const { return {name, kind, min, max, choices.all(), default_text}; }
  ValueRef ref(Config& config) const {
    return std::visit([&](auto member) -> ValueRef { return &member(config); }, field);
  }
};

// "supervision.health_interval_ms" → "supervision"; "" for top-level settings.
std::string_view group_of(std::string_view name);

// ("NMTD_", "supervision.health_interval_ms") → "NMTD_SUPERVISION_HEALTH_INTERVAL_MS".
std::string environment_name(std::string_view prefix, std::string_view name);

}  // namespace nmtd::settings
