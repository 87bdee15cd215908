// `nmtd worker`: defaults < --config TOML < NMTD_WORKER_* environment < flags, then run it.
#include "cli/commands.h"
#include "cli/flags.h"
#include "common/environment.h"
#include "common/error.h"
#include "worker/worker_main.h"
#include "worker/worker_settings.h"

namespace nmtd::cli {
namespace {

std::string flag_name(std::string_view flag) {
  return std::string(flag.starts_with("--") ? flag.substr(2) : flag);
}

Flags worker_flags() {
  Flags f("worker",
          "--model DIR [--listen unix:PATH|HOST:PORT] [--threads N] "
          "[--state-dir DIR] [--config FILE] [options]\n"
          "Serves nmt.v1.Translator, grpc.health.v1 and reflection for one model. Health is\n"
          "NOT_SERVING until the model is loaded and a warm-up translation succeeded, and again\n"
          "while draining. SIGTERM/SIGINT drain gracefully (a second one exits at once).\n"
          "Settings: defaults < --config (TOML) < NMTD_WORKER_* environment < these flags;\n"
          "every setting is in docs/worker.md.");
  f.value("config", "TOML file with any setting (docs/worker.md)");
  for (const auto& s : worker::worker_settings().settings()) {
    if (s.flag.empty()) continue;
    if (s.kind == settings::SettingKind::kBool) {
      f.toggle(flag_name(s.flag), std::string(s.doc));
    } else {
      f.value(flag_name(s.flag), std::string(s.doc));
    }
  }
  return f;
}

}  // namespace

int cmd_worker(const Args& args) {
  Flags f = worker_flags();
  if (!f.parse(args)) return 0;
  if (!f.positional().empty())
    throw InvalidArgument("unexpected argument '" + f.positional().front() + "'");
  const auto& registry = worker::worker_settings();
  worker::WorkerConfig c;
  if (f.has("config")) registry.apply_toml_file(c, f.get("config"));
  // Variables naming no worker setting are left alone: a worker inherits the front's
  // environment, where the front's own worker.* settings share the prefix
  // (NMTD_WORKER_MAX_BATCH_TEXTS) and reach the worker as flags instead.
  registry.apply_environment(c, process_environment());
  for (const auto& s : registry.settings()) {
    if (s.flag.empty()) continue;
    const std::string name = flag_name(s.flag);
    if (s.kind == settings::SettingKind::kBool) {
      if (f.on(name)) registry.set(c, s.name, "true", "flag " + std::string(s.flag));
    } else if (f.has(name)) {
      registry.set(c, s.name, f.get(name), "flag " + std::string(s.flag));
    }
  }
  if (c.model_dir.empty())
    throw InvalidArgument(
        "--model DIR is required (or model = \"DIR\" in --config, or NMTD_WORKER_MODEL)");
  worker::validate(c);
  return worker::run_worker(c);
}

}  // namespace nmtd::cli
