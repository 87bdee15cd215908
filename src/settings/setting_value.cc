#include "settings/setting_value.h"

#include <algorithm>
#include <filesystem>
#include <type_traits>
#include <variant>

#include "common/error.h"
#include "settings/value_text.h"

namespace nmtd::settings {
namespace {

// A value as read, before its bounds are checked: integers (counts, ms, µs), reals, text,
// switches.
using Raw = std::variant<long long, double, std::string, bool>;

std::string quoted_name(const SettingSpec& setting) {
  return "\"" + std::string(setting.name) + "\"";
}

[[noreturn]] void refuse(const SettingSpec& setting, std::string_view where,
                         const std::string& got) {
  const std::string prefix = where.empty() ? "" : std::string(where) + ": ";
  throw InvalidArgument(prefix + quoted_name(setting) + " must be " + allowed_text(setting) +
                        ", got " + got);
}

bool is_numeric(SettingKind kind) {
  return kind != SettingKind::kString && kind != SettingKind::kPath && kind != SettingKind::kBool;
}

// Bounds and choices: the one check that TOML, text and validate() share.
void check(const SettingSpec& setting, const Raw& raw, std::string_view where,
           const std::string& got) {
  if (const auto* v = std::get_if<long long>(&raw)) {
    if (static_cast<double>(*v) < setting.min || static_cast<double>(*v) > setting.max)
      refuse(setting, where, got);
  } else if (const auto* d = std::get_if<double>(&raw)) {
    if (!(*d >= setting.min && *d <= setting.max)) refuse(setting, where, got);  // NaN too
  } else if (!setting.choices.empty()) {
    const auto& text = std::get<std::string>(raw);
    if (std::find(setting.choices.begin(), setting.choices.end(), text) == setting.choices.end())
      refuse(setting, where, got);
  }
}

// The member's own type decides the conversion; the bounds checked before keep every integer
// within its member's range (tables keep min >= 0 for unsigned members).
void store(ValueRef value, const Raw& raw) {
  std::visit(
      [&](auto* member) {
        using T = std::remove_pointer_t<decltype(member)>;
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::filesystem::path>) {
          *member = std::get<std::string>(raw);
        } else if constexpr (std::is_same_v<T, bool>) {
          *member = std::get<bool>(raw);
        } else if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
          *member = static_cast<T>(std::get<double>(raw));
        } else if constexpr (std::is_same_v<T, std::chrono::milliseconds> ||
                             std::is_same_v<T, std::chrono::microseconds>) {
          *member = T(std::get<long long>(raw));
        } else {
          *member = static_cast<T>(std::get<long long>(raw));
        }
      },
      value);
}

Raw read(ValueRef value) {
  return std::visit(
      [](auto* member) -> Raw {
        using T = std::remove_pointer_t<decltype(member)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return *member;
        } else if constexpr (std::is_same_v<T, std::filesystem::path>) {
          return member->string();
        } else if constexpr (std::is_same_v<T, bool>) {
          return *member;
        } else if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
          return static_cast<double>(*member);
        } else if constexpr (std::is_same_v<T, std::chrono::milliseconds> ||
                             std::is_same_v<T, std::chrono::microseconds>) {
          return static_cast<long long>(member->count());
        } else {
          return static_cast<long long>(*member);
        }
      },
      value);
}

std::string describe_node(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return toml_quote(node.as_string()->get());
    case toml::node_type::integer:
      return std::to_string(node.as_integer()->get());
    case toml::node_type::floating_point:
      return format_number(node.as_floating_point()->get());
    case toml::node_type::boolean:
      return node.as_boolean()->get() ? "true" : "false";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    default:
      return "a date or time";
  }
}

std::string bounds(const SettingSpec& setting) {
  if (!is_numeric(setting.kind)) return "";
  if (setting.kind == SettingKind::kDuration) {
    const auto as_duration = [](double v) {
      return format_duration(std::chrono::milliseconds(static_cast<long long>(v)));
    };
    return "[" + as_duration(setting.min) + ", " + as_duration(setting.max) + "]";
  }
  return "[" + format_number(setting.min) + ", " + format_number(setting.max) + "]";
}

// A path setting documented as "none" when unset (state_dir, api_keys_file) reads the word
// `none` as unset, as its docs say, not as a directory named "none".
std::string path_value(const SettingSpec& setting, std::string text) {
  if (setting.default_text == "none" && text == "none") return {};
  return text;
}

}  // namespace

void assign_toml(const SettingSpec& setting, ValueRef target, const toml::node& value,
                 std::string_view where) {
  const std::string got = describe_node(value);
  Raw raw;
  switch (setting.kind) {
    case SettingKind::kString:
      if (!value.is_string()) refuse(setting, where, got);
      raw = value.as_string()->get();
      break;
    case SettingKind::kPath:
      if (!value.is_string()) refuse(setting, where, got);
      raw = path_value(setting, value.as_string()->get());
      break;
    case SettingKind::kInteger:
    case SettingKind::kMillis:
    case SettingKind::kMicros:
      if (!value.is_integer()) refuse(setting, where, got);
      raw = static_cast<long long>(value.as_integer()->get());
      break;
    case SettingKind::kReal:
      if (value.is_integer()) {
        raw = static_cast<double>(value.as_integer()->get());
      } else if (value.is_floating_point()) {
        raw = value.as_floating_point()->get();
      } else {
        refuse(setting, where, got);
      }
      break;
    case SettingKind::kDuration:
      if (value.is_integer()) {
        raw = static_cast<long long>(value.as_integer()->get());
      } else if (value.is_string()) {
        const auto duration = parse_duration(value.as_string()->get());
        if (!duration) refuse(setting, where, got);
        raw = static_cast<long long>(duration->count());
      } else {
        refuse(setting, where, got);
      }
      break;
    case SettingKind::kBool:
      if (!value.is_boolean()) refuse(setting, where, got);
      raw = value.as_boolean()->get();
      break;
  }
  check(setting, raw, where, got);
  store(target, raw);
}

void assign_text(const SettingSpec& setting, ValueRef target, std::string_view text,
                 std::string_view where) {
  const std::string got = toml_quote(text);
  Raw raw;
  switch (setting.kind) {
    case SettingKind::kString:
      raw = std::string(text);
      break;
    case SettingKind::kPath:
      raw = path_value(setting, std::string(text));
      break;
    case SettingKind::kInteger:
    case SettingKind::kMillis:
    case SettingKind::kMicros: {
      const auto v = parse_integer(text);
      if (!v) refuse(setting, where, got);
      raw = *v;
      break;
    }
    case SettingKind::kReal: {
      const auto v = parse_real(text);
      if (!v) refuse(setting, where, got);
      raw = *v;
      break;
    }
    case SettingKind::kDuration: {
      const auto v = parse_duration(text);
      if (!v) refuse(setting, where, got);
      raw = static_cast<long long>(v->count());
      break;
    }
    case SettingKind::kBool:
      if (text != "true" && text != "false") refuse(setting, where, got);
      raw = text == "true";
      break;
  }
  check(setting, raw, where, got);
  store(target, raw);
}

void check_value(const SettingSpec& setting, ValueRef value) {
  const Raw raw = read(value);
  std::string got;
  if (const auto* v = std::get_if<long long>(&raw)) {
    got = std::to_string(*v);
  } else if (const auto* d = std::get_if<double>(&raw)) {
    got = format_number(*d);
  } else if (const auto* b = std::get_if<bool>(&raw)) {
    got = *b ? "true" : "false";
  } else {
    got = toml_quote(std::get<std::string>(raw));
  }
  check(setting, raw, "", got);
}

std::string bounds_text(const SettingSpec& setting) { return bounds(setting); }

std::string allowed_text(const SettingSpec& setting) {
  switch (setting.kind) {
    case SettingKind::kString: {
      if (setting.choices.empty()) return "a string";
      std::string out = "one of";
      for (const auto choice : setting.choices)
        out += (out.size() == 6 ? " " : ", ") + toml_quote(choice);
      return out;
    }
    case SettingKind::kPath:
      return "a path (a string)";
    case SettingKind::kInteger:
      return "an integer in " + bounds(setting);
    case SettingKind::kReal:
      return "a number in " + bounds(setting);
    case SettingKind::kMillis:
      return "an integer number of milliseconds in " + bounds(setting);
    case SettingKind::kMicros:
      return "an integer number of microseconds in " + bounds(setting);
    case SettingKind::kDuration:
      return "a duration such as \"12h\", \"30m\", \"45s\" or an integer number of "
             "milliseconds, in " +
             bounds(setting);
    case SettingKind::kBool:
      return "true or false";
  }
  return "";
}

std::string format_toml(const SettingSpec& setting, ValueRef value) {
  const Raw raw = read(value);
  if (const auto* b = std::get_if<bool>(&raw)) return *b ? "true" : "false";
  if (const auto* text = std::get_if<std::string>(&raw)) return toml_quote(*text);
  if (const auto* d = std::get_if<double>(&raw)) return format_number(*d);
  const long long v = std::get<long long>(raw);
  if (setting.kind == SettingKind::kDuration && v != 0)
    return toml_quote(format_duration(std::chrono::milliseconds(v)));
  return std::to_string(v);
}

std::string format_plain(const SettingSpec& /*setting*/, ValueRef value) {
  const Raw raw = read(value);
  if (const auto* b = std::get_if<bool>(&raw)) return *b ? "true" : "false";
  if (const auto* text = std::get_if<std::string>(&raw)) return *text;
  if (const auto* d = std::get_if<double>(&raw)) return format_number(*d);
  return std::to_string(std::get<long long>(raw));
}

std::string format_doc(const SettingSpec& setting, ValueRef value) {
  if (!setting.default_text.empty()) return std::string(setting.default_text);
  const Raw raw = read(value);
  if (setting.kind == SettingKind::kDuration)
    return "`" + format_duration(std::chrono::milliseconds(std::get<long long>(raw))) + "`";
  if (is_numeric(setting.kind) || setting.kind == SettingKind::kBool)
    return "`" + format_plain(setting, value) + "`";
  const auto& text = std::get<std::string>(raw);
  return text.empty() ? "none" : "`" + text + "`";
}

}  // namespace nmtd::settings
