// `nmtd soak`: drives a server with load and chaos for a while and says, in numbers, whether
// anything was lost or grew (src/soak, docs/operations.md).
#include <cstdio>
#include <ctime>
#include <sstream>
#include <stop_token>

#include "cli/commands.h"
#include "cli/flags.h"
#include "common/error.h"
#include "common/signal_watcher.h"
#include "settings/value_text.h"
#include "soak/raw_socket.h"
#include "soak/soak_run.h"

namespace nmtd::cli {
namespace {

double seconds_of(const Flags& f, const std::string& name) {
  const std::string text = f.get(name);
  // Bare digits would read as milliseconds (the config's convention): `--duration 1800` must
  // not quietly mean 1.8 s, so a unit is required here (0 alone needs none).
  const bool bare = !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
  const auto d = bare && text.find_first_not_of('0') != std::string::npos
                     ? std::nullopt
                     : settings::parse_duration(text);
  if (!d) {
    throw InvalidArgument("flag --" + name +
                          " expects a duration such as 30s, 5m, 1h30m or 250ms, got '" + text +
                          "'");
  }
  return static_cast<double>(d->count()) / 1000.0;
}

// A bound per hour, or "off" (-1: not checked).
double bound_of(const Flags& f, const std::string& name) {
  const std::string text = f.get(name);
  if (text == "off") return -1;
  const auto v = settings::parse_real(text);
  if (!v || *v < 0) {
    throw InvalidArgument("flag --" + name + " expects a non-negative number or 'off', got '" +
                          text + "'");
  }
  return *v;
}

std::vector<std::string> list_of(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::stringstream in(text);
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

}  // namespace

int cmd_soak(const Args& args) {
  Flags f("soak",
          "[--server HOST:PORT | --model DIR] --duration 30m --chaos-every 30s --report DIR "
          "[options]\n"
          "Drives an nmtd server with load (Baketa and nmt.v1 APIs) and chaos (killed, crashed\n"
          "and frozen workers, floods, malformed requests, slow clients), samples the front and\n"
          "every worker (RSS, GPU memory, fds, threads), and writes DIR/report.json and\n"
          "DIR/report.html. Without --server it starts `nmtd serve` itself, on --model or on a\n"
          "small generated model. Exit status 1 when a request was lost, a resource grew past\n"
          "its bound after warm-up, chaos got an unexpected answer or the server died;\n"
          "docs/operations.md explains the report.");
  f.value("server", "attach to a running server (gRPC host:port) instead of starting one")
      .value("http", "with --server: its HTTP host:port, for the HTTP chaos probes")
      .value("model", "model directory for the server the soak starts (default: generated)")
      .value("report", "directory for report.json, report.html, the server's output and state")
      .value("duration", "how long the load runs", "30m")
      .value("max-requests", "stop once this many requests were sent (default: no bound)")
      .value("seed", "seed of every random choice (default: from the clock; printed)")
      .value("profiles",
             "load profiles, comma-separated: crash-report,desktop,saturate,burst,short-probe",
             "crash-report,desktop,saturate,burst,short-probe")
      .value("clients", "clients of the saturate profile", "2")
      .value("deadline", "deadline of each request; past it the request is lost", "30s")
      .value("desktop-idle", "longest idle spell of the desktop profile", "2m")
      .value("chaos-every", "interval between chaos actions; 0 = no chaos", "30s")
      .value("chaos-actions", "comma-separated: kill-9,sigsegv,sigstop,flood,malformed,slow-client",
             "kill-9,sigsegv,sigstop,flood,malformed,slow-client")
      .value("spare-slot",
             "worker slot the signal actions never hit, so one worker lives through the soak "
             "and its growth is judged: auto (slot 0 with 2 workers or more), none, or a slot",
             "auto")
      .value("workers", "workers of the server the soak starts", "2")
      .value("cache-mib", "translation cache per worker of the server the soak starts, MiB", "2")
      .value("serve-args", "more flags for the `nmtd serve` the soak starts, space-separated")
      .value("idle-unload",
             "idle unload of the server the soak starts (serve --idle-unload); with the "
             "desktop profile's idle spells longer, its workers are let go and woken; 0 = off",
             "0")
      .value("sample-every", "interval between resource samples", "2s")
      .value("warmup", "each process's first stretch, left out of the slopes", "5m")
      .value("floor-window", "the slope is fitted to each window's minimum", "30s")
      .value("min-span", "a process watched for less after warm-up is not judged alone", "10m")
      .value("max-rss-slope", "bound on RSS growth after warm-up, MiB/h, or 'off'", "1")
      .value("max-gpu-slope", "bound on GPU memory growth, MiB/h, or 'off'", "1")
      .value("max-fd-slope", "bound on open-fd growth, per hour, or 'off'", "0")
      .value("max-thread-slope", "bound on thread-count growth, per hour, or 'off'", "0")
      .toggle("no-progress-bar", "no progress bar, even on a terminal");
  if (!f.parse(args)) return 0;
  if (!f.positional().empty())
    throw InvalidArgument("unexpected argument '" + f.positional().front() + "'");

  soak::SoakOptions o;
  o.server = f.get_optional("server");
  o.http = f.get_optional("http");
  if (o.http && !o.server) throw InvalidArgument("--http goes with --server");
  for (const char* name : {"server", "http"}) {
    if (f.has(name) && !soak::parse_host_port(f.get(name))) {
      throw InvalidArgument(std::string("flag --") + name + " expects HOST:PORT, got '" +
                            f.get(name) + "'");
    }
  }
  if (o.server && f.has("serve-args")) {
    throw InvalidArgument(
        "--serve-args is for the server the soak starts; with --server it starts none");
  }

  if (f.has("model")) o.model = f.get("model");
  if (!f.has("report")) throw InvalidArgument("--report DIR is required");
  o.report_dir = f.get("report");
  o.duration_s = seconds_of(f, "duration");
  if (f.has("max-requests")) {
    const auto n = settings::parse_integer(f.get("max-requests"));
    if (!n || *n < 1) throw InvalidArgument("--max-requests expects a positive integer");
    o.max_requests = static_cast<uint64_t>(*n);
  }
  if (f.has("seed")) {
    const auto n = settings::parse_integer(f.get("seed"));
    if (!n || *n < 0) throw InvalidArgument("--seed expects a non-negative integer");
    o.seed = static_cast<uint64_t>(*n);
  } else {
    o.seed = static_cast<uint64_t>(std::time(nullptr));
  }
  o.profiles = list_of(f.get("profiles"));
  o.saturating_clients = f.get_int("clients");
  o.request_deadline_s = seconds_of(f, "deadline");
  o.desktop_idle_max_s = seconds_of(f, "desktop-idle");
  o.chaos_every_s = seconds_of(f, "chaos-every");
  o.chaos_actions = list_of(f.get("chaos-actions"));
  o.workers = f.get_int("workers");
  if (const std::string spare = f.get("spare-slot"); spare == "auto") {
    o.spare_slot = soak::kSpareAuto;
  } else if (spare == "none") {
    o.spare_slot = soak::kSpareNone;
  } else {
    const auto slot = settings::parse_integer(spare);
    if (!slot || *slot < 0 || *slot > 63)
      throw InvalidArgument("--spare-slot expects auto, none or a slot number, got '" + spare +
                            "'");
    o.spare_slot = static_cast<int>(*slot);
  }
  o.server_cache_mib = f.get_int("cache-mib");
  if (o.server_cache_mib < 0) throw InvalidArgument("--cache-mib must not be negative");
  if (f.has("serve-args")) o.serve_args = words_of(f.get("serve-args"));
  o.idle_unload_s = seconds_of(f, "idle-unload");
  o.sample_every_s = seconds_of(f, "sample-every");
  o.slopes.warmup_s = seconds_of(f, "warmup");
  o.slopes.floor_window_s = seconds_of(f, "floor-window");
  o.slopes.min_span_s = seconds_of(f, "min-span");
  o.slopes.bounds.rss_mib_per_hour = bound_of(f, "max-rss-slope");
  o.slopes.bounds.gpu_mib_per_hour = bound_of(f, "max-gpu-slope");
  o.slopes.bounds.fds_per_hour = bound_of(f, "max-fd-slope");
  o.slopes.bounds.threads_per_hour = bound_of(f, "max-thread-slope");
  o.progress_bar = !f.on("no-progress-bar");
  soak::validate(o);

  // Ctrl-C ends the load early; the report is still written. Signals are blocked before any
  // thread starts so that only the watcher sees them.
  SignalBlock block;
  std::stop_source interrupt;
  SignalWatcher watcher([&interrupt](int signo, int nth) {
    if (nth == 1) {
      std::fprintf(stderr, "\n[soak] %s: stopping, the report follows\n",
                   signal_name(signo).c_str());
      interrupt.request_stop();
    }
  });
  return soak::run_soak(o, interrupt.get_token(), stdout);
}

}  // namespace nmtd::cli
