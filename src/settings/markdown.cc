// The settings table written out for people: the docs' Markdown table and the groups in the
// order a printed configuration lists them.
#include "settings/markdown.h"

#include <set>

#include "settings/setting_value.h"

namespace nmtd::settings {
namespace {

std::string type_cell(const SettingSpec& setting) {
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
    case SettingKind::kBool:
      return "boolean";
  }
  return "";
}

std::string cell(std::string_view text) {
  std::string out;
  for (const char ch : text) out += ch == '|' ? std::string("\\|") : std::string(1, ch);
  return out;
}

}  // namespace

std::vector<std::string_view> groups_in_order(std::span<const std::string_view> names) {
  std::vector<std::string_view> groups = {""};
  std::set<std::string_view> seen = {""};
  for (const std::string_view name : names)
    if (seen.insert(group_of(name)).second) groups.push_back(group_of(name));
  return groups;
}

std::string markdown_header() {
  return "| setting | type | default | environment | flag | meaning |\n"
         "|---|---|---|---|---|---|\n";
}

std::string markdown_row(const SettingSpec& setting, const std::string& default_doc,
                         const std::string& environment, std::string_view flag,
                         std::string_view doc) {
  return "| `" + std::string(setting.name) + "` | " + cell(type_cell(setting)) + " | " +
         cell(default_doc) + " | `" + environment + "` | " +
         (flag.empty() ? "" : "`" + std::string(flag) + "`") + " | " + cell(doc) + " |\n";
}

}  // namespace nmtd::settings
