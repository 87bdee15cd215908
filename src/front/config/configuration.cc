// The settings table put to work on a FrontConfig, and the rules across settings.
#include "front/config/configuration.h"

#include "common/error.h"
#include "front/config/settings.h"
#include "settings/setting_value.h"
#include "settings/value_text.h"

namespace nmtd::front {
namespace {

void require(bool ok, const std::string& message) {
  if (!ok) throw InvalidArgument(message);
}

// A unix socket address holds 107 bytes of path; the front names its sockets inside
// runtime_dir, so the directory keeps room for a file name.
constexpr std::size_t kMaxRuntimeDirBytes = 80;

}  // namespace

void apply_toml_file(FrontConfig& config, const std::filesystem::path& file) {
  front_settings().apply_toml_file(config, file);
}

std::vector<std::string> apply_environment(FrontConfig& config,
                                           const std::map<std::string, std::string>& env) {
  return front_settings().apply_environment(config, env);
}

void set_setting(FrontConfig& config, std::string_view name, std::string_view value) {
  front_settings().set(config, name, value, "command line");
}

std::string describe(const FrontConfig& config) {
  return front_settings().describe(config, "nmtd serve: effective configuration");
}

std::string settings_markdown() { return front_settings().markdown(); }

void validate(const FrontConfig& c) {
  front_settings().check_values(c);
  require(!c.model_dir.empty(),
          "\"model\" is required: --model DIR, NMTD_MODEL, or model = \"DIR\" in the config file");
  require(!c.host.empty(), "\"host\" must not be empty (127.0.0.1 is the default)");
  require(c.port == 0 || c.http_port == 0 || c.port != c.http_port,
          "\"port\" and \"http_port\" must differ, both are " + std::to_string(c.port) +
              " (http_port = 0 turns the HTTP endpoint off)");
  const auto& s = c.supervision;
  require(s.backoff_initial <= s.backoff_max,
          "\"supervision.backoff_initial_ms\" (" + std::to_string(s.backoff_initial.count()) +
              ") must not exceed \"supervision.backoff_max_ms\" (" +
              std::to_string(s.backoff_max.count()) + ")");
  require(s.recycle_age.count() == 0 || s.recycle_age > s.start_timeout,
          "\"supervision.recycle_age\" (" + settings::format_duration(s.recycle_age) +
              ") must be 0 (off) or longer than \"supervision.start_timeout_ms\" (" +
              std::to_string(s.start_timeout.count()) +
              "): workers would be recycled before they could start");
  require(c.idle_unload.count() == 0 || c.idle_unload >= std::chrono::seconds(1),
          "\"idle_unload\" (" + settings::format_duration(c.idle_unload) +
              ") must be 0 (never) or at least 1s");
  require(c.runtime_dir.native().size() <= kMaxRuntimeDirBytes,
          "\"runtime_dir\" must be at most " + std::to_string(kMaxRuntimeDirBytes) +
              " bytes long, so that the workers' socket paths fit a unix socket address; got " +
              std::to_string(c.runtime_dir.native().size()));
}

std::vector<std::string> worker_arguments(const FrontConfig& config, int cores) {
  std::vector<std::string> args;
  for (const Setting& setting : settings()) {
    if (setting.worker_flag.empty()) continue;
    args.emplace_back(setting.worker_flag);
    if (setting.name == "worker.threads") {
      args.push_back(std::to_string(threads_per_worker(config, cores)));
    } else {
      args.push_back(format_plain(setting, config));
    }
  }
  return args;
}

}  // namespace nmtd::front
