#pragma once
// What `nmtd soak` is asked to do (docs/operations.md). Filled from flags by the CLI and
// checked by validate() before anything starts.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "soak/report/soak_record.h"

namespace nmtd::soak {

// The load profiles; each runs on its own client threads for the whole soak.
inline const std::vector<std::string>& all_profiles() {
  static const std::vector<std::string> names{"crash-report", "desktop", "saturate", "burst",
                                              "short-probe"};
  return names;
}

// The chaos actions; one of them, at random, every chaos interval.
inline const std::vector<std::string>& all_chaos_actions() {
  static const std::vector<std::string> names{"kill-9", "sigsegv",   "sigstop",
                                              "flood",  "malformed", "slow-client"};
  return names;
}

inline constexpr int kSpareAuto = -2;
inline constexpr int kSpareNone = -1;

struct SoakOptions {
  // Where the server is: attach to `server` (host:port), or start `nmtd serve` on `model`,
  // or, with neither, on a small model generated under the report directory.
  std::optional<std::string> server;
  std::optional<std::string> http;  // the attached server's HTTP host:port, if any
  std::filesystem::path model;
  std::filesystem::path report_dir;
  int workers = 2;                      // when the soak starts the server
  std::vector<std::string> serve_args;  // more flags for that `nmtd serve`
  // That server's translation cache per worker, MiB (-1: its default). Small by default so
  // that the cache, bounded by design, is full within warm-up instead of reading as growth.
  int server_cache_mib = 2;
  // That server's idle unload (serve --idle-unload), seconds; 0: off. With the desktop
  // profile's idle spells longer than this, its workers are let go and woken again.
  double idle_unload_s = 0;

  double duration_s = 1800;
  std::optional<uint64_t> max_requests;  // stop once this many were sent
  uint64_t seed = 1;
  std::vector<std::string> profiles = all_profiles();
  int saturating_clients = 2;
  double request_deadline_s = 30;   // a request not answered in this time is lost
  double desktop_idle_max_s = 120;  // the desktop profile's idle spells last up to this

  double chaos_every_s = 30;  // 0: no chaos
  std::vector<std::string> chaos_actions = all_chaos_actions();
  // The worker slot signals never hit (kSpareAuto: slot 0 when the server keeps 2 workers or
  // more; kSpareNone: none), so that one worker lives through the whole soak and its own
  // growth is judged, which killed workers never live long enough for.
  int spare_slot = kSpareAuto;

  double sample_every_s = 2;
  SlopeSettings slopes;
  bool progress_bar = true;  // drawn only when stdout is a terminal
};

// Throws InvalidArgument naming the first option that cannot work.
void validate(const SoakOptions& options);

}  // namespace nmtd::soak
