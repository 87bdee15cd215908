#pragma once
// The one table of `nmtd worker` settings, over WorkerConfig: a settings::Registry like the
// front's, so the worker reads the same TOML, its environment (NMTD_WORKER_<NAME>) and its flags
// with the same precedence, checks and messages, and docs/worker.md carries its generated table.
// Defaults live in WorkerConfig's member initializers only.
#include "settings/registry.h"
#include "worker/worker_config.h"

namespace nmtd::worker {

const settings::Registry<WorkerConfig>& worker_settings();

// Every value within its bounds (the table) and the rules between them. Throws InvalidArgument
// naming the settings.
void validate(const WorkerConfig& config);

}  // namespace nmtd::worker
