#pragma once
// Reading, checking and printing a FrontConfig through the settings table (settings.h): the
// TOML file, the NMTD_* environment, the command line, validation, the printed configuration,
// docs/configuration.md's table and the flags passed on to workers. Apart from front_config.h,
// which the table points into, so that the table and the values it describes do not use each
// other.
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "front/config/front_config.h"

namespace nmtd::front {

// Applies a TOML file over `config`. Throws IoError when it cannot be read, InvalidArgument
// naming the file, the key and what is allowed for bad syntax, unknown keys, wrong types and
// out-of-range values.
void apply_toml_file(FrontConfig& config, const std::filesystem::path& file);

// Applies NMTD_<SETTING> variables (dots → underscores, upper case: NMTD_PORT,
// NMTD_SUPERVISION_HEALTH_INTERVAL_MS). Variables that name no setting are left alone and
// returned (the caller may log them: NMTD_CPU_ISA, for one, is the engine's). A variable that
// names a setting but holds an invalid value throws InvalidArgument naming the variable.
std::vector<std::string> apply_environment(FrontConfig& config,
                                           const std::map<std::string, std::string>& env);

// Sets one setting by its table name ("port", "supervision.recycle_age") from text, as a
// command-line flag gives it. Throws InvalidArgument for an unknown name or invalid value.
void set_setting(FrontConfig& config, std::string_view name, std::string_view value);

// Every value within its bounds, and the cross-field rules (workers >= 1, backoff_initial <=
// backoff_max, distinct ports, ...). Throws InvalidArgument naming the settings involved.
void validate(const FrontConfig& config);

// The effective configuration as a TOML document that apply_toml_file() reads back to the
// same FrontConfig: printed at start.
std::string describe(const FrontConfig& config);

// The markdown table of every setting (name, type and bounds, default, environment variable,
// flag, meaning) that docs/configuration.md carries between its marker comments.
std::string settings_markdown();

// The flags that pass the worker.* settings and the log level on to `nmtd worker`; the
// caller adds --model, --listen and --state-dir. `cores` decides worker.threads = 0.
std::vector<std::string> worker_arguments(const FrontConfig& config, int cores = available_cores());

}  // namespace nmtd::front
