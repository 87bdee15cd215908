#pragma once
// A process's settings table and everything driven by it, the same for `nmtd serve` and
// `nmtd worker`. Precedence, lowest first: the config struct's member initializers (the
// defaults) < the TOML file < the environment < command-line flags; the caller applies them in
// that order. Every error names the setting and where its value came from (file:line,
// environment variable, flag).
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.h"
#include "settings/markdown.h"
#include "settings/setting.h"
#include "settings/setting_value.h"
#include "settings/toml_walk.h"

namespace nmtd::settings {

template <typename Config>
class Registry {
 public:
  // `env_prefix`: "NMTD_" or "NMTD_WORKER_"; `docs_page`: where every setting is described,
  // for messages ("docs/configuration.md").
  Registry(std::vector<Setting<Config>> table, std::string env_prefix, std::string docs_page)
      : table_(std::move(table)),
        env_prefix_(std::move(env_prefix)),
        docs_page_(std::move(docs_page)) {
    for (const auto& s : table_) names_.push_back(s.name);
  }

  const std::vector<Setting<Config>>& settings() const { return table_; }

  // nullptr when no setting has that name.
  const Setting<Config>* find(std::string_view name) const {
    for (const auto& s : table_)
      if (s.name == name) return &s;
    return nullptr;
  }

  std::string environment_name(const Setting<Config>& setting) const {
    return settings::environment_name(env_prefix_, setting.name);
  }

  // Applies a TOML file over `config`. Throws IoError when it cannot be read, InvalidArgument
  // naming the file, line, key and what is allowed for bad syntax, unknown keys, wrong types
  // and out-of-range values. Bad input changes nothing.
  void apply_toml_file(Config& config, const std::filesystem::path& file) const {
    const toml::table root = read_toml_file(file);
    Config result = config;
    walk_toml(root, file.string(), names_,
              [&](std::size_t i, const toml::node& value, const std::string& where) {
                assign_toml(table_[i], result, value, where);
              });
    config = std::move(result);
  }

  // Applies <prefix><SETTING> variables. Variables with the prefix that name no setting are
  // left alone and returned (the caller may log them). A variable that names a setting but
  // holds an invalid value throws InvalidArgument naming the variable; nothing changes then.
  std::vector<std::string> apply_environment(Config& config,
                                             const std::map<std::string, std::string>& env) const {
    Config result = config;
    std::set<std::string> used;
    for (const auto& setting : table_) {
      const std::string variable = environment_name(setting);
      const auto it = env.find(variable);
      if (it == env.end()) continue;
      assign_text(setting, result, it->second, "environment variable " + variable);
      used.insert(variable);
    }
    std::vector<std::string> ignored;
    for (const auto& [name, value] : env)
      if (name.starts_with(env_prefix_) && !used.contains(name)) ignored.push_back(name);
    config = std::move(result);
    return ignored;
  }

  // Sets one setting by its table name from text, as a flag gives it; `where` names the source
  // ("command line", "flag --port"). Throws InvalidArgument for an unknown name or bad value.
  void set(Config& config, std::string_view name, std::string_view value,
           std::string_view where) const {
    const Setting<Config>* setting = find(name);
    if (setting == nullptr)
      throw InvalidArgument("unknown setting \"" + std::string(name) +
                            "\" (every setting: " + docs_page_ + ")");
    assign_text(*setting, config, value, where);
  }

  // Every value within its bounds and choices; throws InvalidArgument naming the setting.
  void check_values(const Config& config) const {
    for (const auto& setting : table_) check_value(setting, config);
  }

  // The configuration as a TOML document that apply_toml_file() reads back to the same values,
  // under a first comment line `title`.
  std::string describe(const Config& config, std::string_view title) const {
    std::string out = "# " + std::string(title) + " (every setting: " + docs_page_ + ")\n";
    for (const std::string_view group : groups_in_order(names_)) {
      if (!group.empty()) out += "\n[" + std::string(group) + "]\n";
      for (const auto& s : table_) {
        if (group_of(s.name) != group) continue;
        const std::string_view leaf = group.empty() ? s.name : s.name.substr(group.size() + 1);
        out += std::string(leaf) + " = " + format_toml(s, config) + "\n";
      }
    }
    return out;
  }

  // The Markdown table of every setting (name, type and bounds, default, environment variable,
  // flag, meaning) that the docs page carries between its marker comments.
  std::string markdown() const {
    const Config defaults{};
    std::string out = markdown_header();
    for (const auto& s : table_)
      out += markdown_row(s.spec(), format_doc(s, defaults), environment_name(s), s.flag, s.doc);
    return out;
  }

 private:
  std::vector<Setting<Config>> table_;
  std::vector<std::string_view> names_;
  std::string env_prefix_;
  std::string docs_page_;
};

}  // namespace nmtd::settings
