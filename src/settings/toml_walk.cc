#include "settings/toml_walk.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>

#include "common/error.h"
#include "settings/setting.h"

namespace nmtd::settings {
namespace {

struct Names {
  std::span<const std::string_view> all;

  std::size_t find(std::string_view name) const {
    return static_cast<std::size_t>(std::find(all.begin(), all.end(), name) - all.begin());
  }
  bool is_group(std::string_view name) const {
    if (name.empty()) return false;  // the top level is no group: [""] must not reach it
    return std::any_of(all.begin(), all.end(),
                       [&](std::string_view s) { return group_of(s) == name; });
  }
  // What may appear in the table at `prefix`, for the message about an unknown key.
  std::string known_in(std::string_view prefix) const {
    std::string out;
    std::set<std::string_view> groups;
    for (const std::string_view s : all) {
      const std::string_view group = group_of(s);
      if (group == prefix) {
        const std::string_view leaf = group.empty() ? s : s.substr(group.size() + 1);
        out += (out.empty() ? "" : ", ") + std::string(leaf);
      } else if (prefix.empty() && groups.insert(group).second) {
        out += (out.empty() ? "[" : ", [") + std::string(group) + "]";
      }
    }
    return (prefix.empty() ? "known: " : "known in [" + std::string(prefix) + "]: ") + out;
  }
};

std::string where(const std::string& file, const toml::source_region& source) {
  return source.begin.line == 0 ? file : file + ":" + std::to_string(source.begin.line);
}

void walk_table(const Names& names, const toml::table& table, const std::string& prefix,
                const std::string& file,
                FunctionRef<void(std::size_t, const toml::node&, const std::string&)> assign) {
  for (auto&& [key, node] : table) {
    const std::string name =
        prefix.empty() ? std::string(key.str()) : prefix + "." + std::string(key.str());
    const std::string at = where(file, key.source());
    if (const std::size_t i = names.find(name); i < names.all.size()) {
      assign(i, node, at);
    } else if (names.is_group(name)) {
      if (!node.is_table())
        throw InvalidArgument(at + ": \"" + name + "\" must be a table of settings ([" + name +
                              "]), got a single value");
      walk_table(names, *node.as_table(), name, file, assign);
    } else {
      throw InvalidArgument(at + ": unknown setting \"" + name + "\" (" + names.known_in(prefix) +
                            ")");
    }
  }
}

}  // namespace

toml::table read_toml_file(const std::filesystem::path& file) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec))
    throw IoError("cannot read config file " + file.string() + ": it is a directory");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError("cannot read config file " + file.string());
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw IoError("cannot read config file " + file.string());
  try {
    return toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    std::string message = file.string() + ":" + std::to_string(at.line) + ":" +
                          std::to_string(at.column) +
                          ": not valid TOML: " + std::string(e.description());
    // `nmtd worker` read JSON before it read TOML; say so rather than only "not TOML".
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{')
      message +=
          " (this looks like JSON: settings files are TOML, with the same keys; "
          "a group such as \"limits\": {...} becomes a [limits] table)";
    throw InvalidArgument(message);
  }
}

void walk_toml(const toml::table& root, const std::string& file,
               std::span<const std::string_view> names,
               FunctionRef<void(std::size_t, const toml::node&, const std::string&)> assign) {
  walk_table(Names{names}, root, "", file, assign);
}

}  // namespace nmtd::settings
