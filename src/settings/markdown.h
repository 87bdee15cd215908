#pragma once
// Pieces of the docs' settings table and of a printed configuration, for Registry.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "settings/setting.h"

namespace nmtd::settings {

// Groups in table order; "" (top-level settings) first, as TOML needs them before any [table].
std::vector<std::string_view> groups_in_order(std::span<const std::string_view> names);

std::string markdown_header();
std::string markdown_row(const SettingSpec& setting, const std::string& default_doc,
                         const std::string& environment, std::string_view flag,
                         std::string_view doc);

}  // namespace nmtd::settings
