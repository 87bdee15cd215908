#pragma once
// The one table of `nmtd serve` settings. A setting is a row: its dotted name (the TOML key,
// and NMTD_<NAME> in the environment), the kind of value it takes, where it lives in
// FrontConfig, its bounds, its flag and its doc. Defaults live in FrontConfig's member
// initializers only; the docs read them from a default-constructed FrontConfig.
#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "front/config/front_config.h"

namespace nmtd::front {

enum class SettingKind {
  kString,    // TOML string; when `choices` is not empty, one of them
  kPath,      // TOML string; empty means "not set"
  kInteger,   // TOML integer within [min, max]
  kReal,      // TOML float or integer within [min, max]
  kMillis,    // TOML integer, milliseconds (names end in _ms)
  kMicros,    // TOML integer, microseconds (names end in _us)
  kDuration,  // TOML integer (milliseconds) or a string such as "12h", "30m", "45s", "1h30m"
};

// Where a setting lives: a function returning a reference to its member. A plain function
// pointer per type keeps the table a constant with no captured state.
using SettingField =
    std::variant<int& (*)(FrontConfig&), double& (*)(FrontConfig&), std::string& (*)(FrontConfig&),
                 std::filesystem::path& (*)(FrontConfig&),
                 std::chrono::milliseconds& (*)(FrontConfig&),
                 std::chrono::microseconds& (*)(FrontConfig&)>;

struct Setting {
  std::string_view name{};  // "supervision.health_interval_ms"
  SettingKind kind{};
  SettingField field{};
  double min = 0;  // numbers: inclusive bounds in the kind's unit (ms for durations)
  double max = 0;
  std::vector<std::string_view> choices{};  // kString: the allowed values; empty: any
  std::string_view flag{};                  // the `nmtd serve` flag suggested for it; empty: none
  std::string_view worker_flag{};           // passed on to `nmtd worker` as this flag
  std::string_view default_text{};          // shown in the docs instead of the computed default
  std::string_view doc{};                   // one line
};

// Every setting, top-level ones first, then by group (worker, supervision, limits, requests,
// http).
const std::vector<Setting>& settings();

// nullptr when no setting has that name.
const Setting* find_setting(std::string_view name);

// "supervision.health_interval_ms" → "NMTD_SUPERVISION_HEALTH_INTERVAL_MS".
std::string environment_name(const Setting& setting);

// "supervision.health_interval_ms" → "supervision"; "" for top-level settings.
std::string_view group_of(const Setting& setting);

}  // namespace nmtd::front
