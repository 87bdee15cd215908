#pragma once
// A small command-line flag parser shared by the subcommands: `--name value`,
// `--name=value` and boolean `--name`. Unknown flags and missing values are errors that
// name the flag; --help is reported to the caller.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace nmtd::cli {

class Flags {
 public:
  Flags(std::string command, std::string usage) : command_(std::move(command)), usage_(std::move(usage)) {}

  // Declares a flag taking a value; `help` goes into the usage text.
  Flags& value(const std::string& name, std::string help, std::optional<std::string> def = {});
  // Declares a boolean switch.
  Flags& toggle(const std::string& name, std::string help);

  // Parses args. Positional arguments are kept in order. Throws InvalidArgument on an
  // unknown flag or a missing value. Returns false when --help was given (usage printed).
  bool parse(const Args& args);

  bool has(const std::string& name) const;
  std::string get(const std::string& name) const;  // throws InvalidArgument when absent
  std::optional<std::string> get_optional(const std::string& name) const;
  int get_int(const std::string& name) const;      // throws InvalidArgument naming the flag
  double get_double(const std::string& name) const;
  bool on(const std::string& name) const { return switches_.count(name) != 0; }
  const std::vector<std::string>& positional() const { return positional_; }

  std::string usage() const;

 private:
  struct Spec {
    std::string help;
    bool takes_value;
    std::optional<std::string> def;
  };
  std::string command_;
  std::string usage_;
  std::vector<std::string> order_;
  std::map<std::string, Spec> specs_;
  std::map<std::string, std::string> values_;
  std::map<std::string, bool> switches_;
  std::vector<std::string> positional_;
};

}  // namespace nmtd::cli
