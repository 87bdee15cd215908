// apply_toml_file(): a TOML document whose keys are the settings table's names, top-level
// settings as plain keys and the others in their group's table ([worker], [supervision], ...).
#include <fstream>
#include <iterator>
#include <set>

#include "common/error.h"
#include "front/config/front_config.h"
#include "front/config/setting_value.h"
#include "front/config/settings.h"

namespace nmtd::front {
namespace {

bool is_group(std::string_view name) {
  if (name.empty()) return false;  // the top level is no group: [""] must not reach it
  for (const Setting& s : settings())
    if (group_of(s) == name) return true;
  return false;
}

// What may appear in the table at `prefix`, for the message about an unknown key.
std::string known_in(std::string_view prefix) {
  std::string out;
  std::set<std::string_view> groups;
  for (const Setting& s : settings()) {
    const std::string_view group = group_of(s);
    if (group == prefix) {
      const std::string_view leaf = group.empty() ? s.name : s.name.substr(group.size() + 1);
      out += (out.empty() ? "" : ", ") + std::string(leaf);
    } else if (prefix.empty() && groups.insert(group).second) {
      out += (out.empty() ? "[" : ", [") + std::string(group) + "]";
    }
  }
  return (prefix.empty() ? "known: " : "known in [" + std::string(prefix) + "]: ") + out;
}

std::string where(const std::string& file, const toml::source_region& source) {
  return source.begin.line == 0 ? file : file + ":" + std::to_string(source.begin.line);
}

void apply_table(FrontConfig& config, const toml::table& table, const std::string& prefix,
                 const std::string& file) {
  for (auto&& [key, node] : table) {
    const std::string name =
        prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    const std::string at = where(file, key.source());
    if (const Setting* setting = find_setting(name)) {
      assign_toml(*setting, config, node, at);
    } else if (is_group(name)) {
      if (!node.is_table())
        throw InvalidArgument(at + ": \"" + name + "\" must be a table of settings ([" + name +
                              "]), got a single value");
      apply_table(config, *node.as_table(), name, file);
    } else {
      throw InvalidArgument(at + ": unknown setting \"" + name + "\" (" + known_in(prefix) + ")");
    }
  }
}

}  // namespace

void apply_toml_file(FrontConfig& config, const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw IoError("cannot read config file " + file.string() + ": it is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError("cannot read config file " + file.string());
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw IoError("cannot read config file " + file.string());

  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    throw InvalidArgument(file.string() + ":" + std::to_string(at.line) + ":" +
                          std::to_string(at.column) +
                          ": not valid TOML: " + std::string(e.description()));
  }
  // Bad input changes nothing: the file applies to a copy, committed once all of it is good.
  FrontConfig result = config;
  apply_table(result, root, "", file.string());
  config = std::move(result);
}

}  // namespace nmtd::front
