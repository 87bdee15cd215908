// describe() and settings_markdown(): the settings table written out for people (and, for
// describe(), for apply_toml_file() to read back).
#include <set>

#include "front/config/front_config.h"
#include "front/config/setting_value.h"
#include "front/config/settings.h"

namespace nmtd::front {
namespace {

// Groups in table order; "" (top-level settings) first, as TOML needs them before any [table].
std::vector<std::string_view> groups_in_order() {
  std::vector<std::string_view> groups = {""};
  std::set<std::string_view> seen = {""};
  for (const Setting& s : settings())
    if (seen.insert(group_of(s)).second) groups.push_back(group_of(s));
  return groups;
}

std::string type_cell(const Setting& setting) {
  switch (setting.kind) {
    case SettingKind::kString: {
      if (setting.choices.empty()) return "string";
      std::string out;
      for (const auto choice : setting.choices)
        out += (out.empty() ? "`" : ", `") + std::string(choice) + "`";
      return out;
    }
    case SettingKind::kPath:
      return "path";
    case SettingKind::kInteger:
      return "integer " + bounds_text(setting);
    case SettingKind::kReal:
      return "number " + bounds_text(setting);
    case SettingKind::kMillis:
      return "ms " + bounds_text(setting);
    case SettingKind::kMicros:
      return "µs " + bounds_text(setting);
    case SettingKind::kDuration:
      return "duration " + bounds_text(setting);
  }
  return "";
}

std::string cell(std::string_view text) {
  std::string out;
  for (const char ch : text) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

}  // namespace

std::string describe(const FrontConfig& config) {
  std::string out =
      "# nmtd serve: effective configuration (every setting: docs/configuration.md)\n";
  for (const std::string_view group : groups_in_order()) {
    if (!group.empty()) out += "\n[" + std::string(group) + "]\n";
    for (const Setting& s : settings()) {
      if (group_of(s) != group) continue;
      const std::string_view leaf = group.empty() ? s.name : s.name.substr(group.size() + 1);
      out += std::string(leaf) + " = " + format_toml(s, config) + "\n";
    }
  }
  return out;
}

std::string settings_markdown() {
  const FrontConfig defaults;
  std::string out =
      "| setting | type | default | environment | flag | meaning |\n"
      "|---|---|---|---|---|---|\n";
  for (const Setting& s : settings()) {
    out += "| `" + std::string(s.name) + "` | " + cell(type_cell(s)) + " | " +
           cell(format_doc(s, defaults)) + " | `" + environment_name(s) + "` | " +
           (s.flag.empty() ? "" : "`" + std::string(s.flag) + "`") + " | " + cell(s.doc) + " |\n";
  }
  return out;
}

}  // namespace nmtd::front
