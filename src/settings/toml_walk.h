#pragma once
// A settings file: a TOML document whose keys are a settings table's names, top-level settings
// as plain keys and the others in their group's table ([worker], [limits], ...).
#include <toml++/toml.h>

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "common/function_ref.h"

namespace nmtd::settings {

// The file parsed. Throws IoError when it cannot be read, InvalidArgument with file:line:column
// when it is not TOML.
toml::table read_toml_file(const std::filesystem::path& file);

// Calls assign(i, value, where) for each key of `root` naming names[i], where = "file:line".
// Throws InvalidArgument naming the file, line and key for an unknown key (listing the known
// ones) and for a group given a single value.
void walk_toml(const toml::table& root, const std::string& file,
               std::span<const std::string_view> names,
               FunctionRef<void(std::size_t, const toml::node&, const std::string&)> assign);

}  // namespace nmtd::settings
