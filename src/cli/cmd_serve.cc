// `nmtd serve`: defaults < --config TOML < NMTD_* environment < flags, then run the front.
#include <unistd.h>

#include "cli/commands.h"
#include "cli/flags.h"
#include "common/environment.h"
#include "common/error.h"
#include "front/config/configuration.h"
#include "front/config/settings.h"
#include "front/front_main.h"

namespace nmtd::cli {
namespace {

std::string flag_name(std::string_view flag) {
  return std::string(flag.starts_with("--") ? flag.substr(2) : flag);
}

Flags serve_flags() {
  Flags f(
      "serve",
      "--model DIR [--host 127.0.0.1] [--port 50051] [--http-port 50052] [--workers N] "
      "[--config FILE] [--state-dir DIR] [options]\n"
      "Runs the front: it holds no model, starts `nmtd worker` processes on private unix\n"
      "sockets, routes each call to a ready one (sending it again elsewhere if that one dies),\n"
      "and replaces workers that crash, hang, grow or age. gRPC (nmt.v1, grpc.health.v1,\n"
      "reflection) on --port; HTTP /healthz /readyz /metrics /status on --http-port.\n"
      "Settings: defaults < --config (TOML) < NMTD_* environment < these flags; every\n"
      "setting is in docs/configuration.md. SIGTERM/SIGINT drain gracefully.");
  f.value("config", "TOML file with any setting (docs/configuration.md)");
  f.value("model-path", "the same as --model (the old server's flag)");
  f.toggle("debug", "log at debug level (the same as --log-level debug)");
  std::vector<std::string> seen;
  for (const auto& s : front::settings()) {
    if (s.flag.empty()) continue;
    const auto name = flag_name(s.flag);
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    f.value(name, std::string(s.doc));
  }
  return f;
}

}  // namespace

int cmd_serve(const Args& args) {
  Flags f = serve_flags();
  if (!f.parse(args)) return 0;
  if (!f.positional().empty())
    throw InvalidArgument("unexpected argument '" + f.positional().front() + "'");
  front::FrontConfig config;
  if (f.has("config")) front::apply_toml_file(config, f.get("config"));
  front::apply_environment(config, process_environment());
  if (f.has("model-path")) front::set_setting(config, "model", f.get("model-path"));
  for (const auto& s : front::settings()) {
    if (s.flag.empty()) continue;
    const auto name = flag_name(s.flag);
    if (f.has(name)) front::set_setting(config, s.name, f.get(name));
  }
  if (f.on("debug")) config.log_level = "debug";
  if (config.model_dir.empty())
    throw InvalidArgument("--model DIR is required (or `model` in --config, or NMTD_MODEL)");
  front::validate(config);
  return front::run_front(config);
}

}  // namespace nmtd::cli
