#include "soak/soak_options.h"

#include <algorithm>

#include "common/error.h"

namespace nmtd::soak {
namespace {

void check_names(const std::vector<std::string>& given, const std::vector<std::string>& known,
                 const std::string& what) {
  for (std::size_t i = 0; i < given.size(); ++i) {
    const std::string& name = given[i];
    const auto before = given.begin() + static_cast<std::ptrdiff_t>(i);
    if (std::find(given.begin(), before, name) != before) {
      throw InvalidArgument(what + " '" + name + "' is named twice");
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      throw InvalidArgument("unknown " + what + " '" + name + "' (known: " + list + ")");
    }
  }
}

}  // namespace

void validate(const SoakOptions& o) {
  if (o.report_dir.empty()) throw InvalidArgument("--report DIR is required");
  if (o.server && !o.model.empty())
    throw InvalidArgument("--server and --model exclude each other: attach or start, not both");
  if (!(o.duration_s > 0)) throw InvalidArgument("--duration must be longer than 0");
  if (o.max_requests && *o.max_requests == 0)
    throw InvalidArgument("--max-requests must be at least 1");
  if (o.workers < 1 || o.workers > 64) throw InvalidArgument("--workers must be in [1, 64]");
  if (o.profiles.empty()) throw InvalidArgument("--profiles names no profile");
  check_names(o.profiles, all_profiles(), "profile");
  check_names(o.chaos_actions, all_chaos_actions(), "chaos action");
  if (o.chaos_every_s < 0) throw InvalidArgument("--chaos-every must not be negative");
  if (o.chaos_every_s > 0 && o.chaos_actions.empty())
    throw InvalidArgument("--chaos-actions names no action while --chaos-every is set");
  if (o.spare_slot < kSpareAuto || o.spare_slot >= 64)
    throw InvalidArgument("--spare-slot expects auto, none or a slot in [0, 63]");
  if (!o.server && o.spare_slot >= o.workers)
    throw InvalidArgument("--spare-slot " + std::to_string(o.spare_slot) + " is not a slot of " +
                          std::to_string(o.workers) + " worker(s) (slots count from 0)");
  if (o.idle_unload_s != 0 && o.server)
    throw InvalidArgument(
        "--idle-unload is for the server the soak starts; with --server it starts none");
  if (o.idle_unload_s != 0 && !(o.idle_unload_s >= 1))
    throw InvalidArgument("--idle-unload must be 0 (off) or at least 1s");
  if (o.saturating_clients < 1 || o.saturating_clients > 256)
    throw InvalidArgument("--clients must be in [1, 256]");
  if (!(o.request_deadline_s > 0)) throw InvalidArgument("--deadline must be longer than 0");
  if (!(o.sample_every_s >= 0.1)) throw InvalidArgument("--sample-every must be at least 100ms");
  if (o.slopes.warmup_s < 0) throw InvalidArgument("--warmup must not be negative");
  if (!(o.slopes.floor_window_s > 0)) throw InvalidArgument("--floor-window must be longer than 0");
  if (o.slopes.floor_window_s < o.sample_every_s)
    throw InvalidArgument("--floor-window must hold at least one sample (>= --sample-every)");
}

}  // namespace nmtd::soak
