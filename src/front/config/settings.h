#pragma once
// The one table of `nmtd serve` settings (a settings::Registry, as `nmtd worker` has its own):
// a setting is a row: its dotted name (the TOML key, and NMTD_<NAME> in the environment), the
// kind of value it takes, where it lives in FrontConfig, its bounds, its flag and its doc.
// Defaults live in FrontConfig's member initializers only; the docs read them from a
// default-constructed FrontConfig.
#include <string>
#include <string_view>
#include <vector>

#include "front/config/front_config.h"
#include "settings/registry.h"

namespace nmtd::front {

using settings::SettingKind;
using Setting = settings::Setting<FrontConfig>;
using SettingField = settings::SettingField<FrontConfig>;

// The table and what it drives (files, NMTD_* environment, flags, docs).
const settings::Registry<FrontConfig>& front_settings();

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
