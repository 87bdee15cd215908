#include "soak/soak_run.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "soak/chaos_monkey.h"
#include "soak/corpus.h"
#include "soak/load_profiles.h"
#include "soak/local_process.h"
#include "soak/progress_display.h"
#include "soak/report/latency_summary.h"
#include "soak/report/report_json.h"
#include "soak/report/slope_analysis.h"
#include "soak/request_ledger.h"
#include "soak/resource_sampler.h"
#include "soak/server_calls.h"
#include "soak/short_probe.h"
#include "soak/soak_server.h"
#include "soak/stoppable_sleep.h"
#include "soak/timeline.h"

namespace nmtd::soak {
namespace {

// Short texts sent alone before the load: one to warm the connection and a worker up, then
// enough for a p99 to mean something, within a minute.
constexpr int kUnloadedProbeWarmup = 1;
constexpr int kUnloadedProbeCount = 60;
constexpr std::chrono::seconds kUnloadedProbeBudget{60};

// The worker slot the signal actions leave alone, once the server says how many it keeps.
int spared_slot(const SoakOptions& o, const nmt::v1::GetStatusResponse& status) {
  const bool signals = o.chaos_every_s > 0 &&
                       std::any_of(o.chaos_actions.begin(), o.chaos_actions.end(), [](auto& a) {
                         return a == "kill-9" || a == "sigsegv" || a == "sigstop";
                       });
  if (!signals || o.spare_slot == kSpareNone) return -1;
  if (o.spare_slot == kSpareAuto) return status.workers_wanted() >= 2 ? 0 : -1;
  if (status.role() == "front" && o.spare_slot >= status.workers_wanted()) {
    throw InvalidArgument("--spare-slot " + std::to_string(o.spare_slot) +
                          " is not a slot of the server's " +
                          std::to_string(status.workers_wanted()) + " worker(s)");
  }
  return o.spare_slot;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string count_text(uint64_t n, const std::string& what) {
  return std::to_string(n) + " " + what;
}

// Every reason the run fails, in the order a reader should look at them.
void judge(SoakRecord& r, const std::vector<std::string>& lost_examples) {
  const OutcomeTally& t = r.total;
  if (t.lost > 0) {
    std::string line = count_text(t.lost, "requests lost") + " of " + std::to_string(t.sent);
    if (!lost_examples.empty()) line += "; first: " + lost_examples.front();
    r.failures.push_back(line);
  }
  // While the soak runs, requests in flight are not settled yet.
  if (r.finished && t.sent != t.answered + t.failed + t.lost) {
    r.failures.push_back("the books do not balance: sent " + std::to_string(t.sent) +
                         " != answered + failed + lost " +
                         std::to_string(t.answered + t.failed + t.lost));
  }
  for (auto& line : slope_failures(r.slopes)) r.failures.push_back(std::move(line));
  for (const auto& c : r.chaos) {
    if (c.unexpected > 0) {
      std::string line =
          "chaos " + c.action + ": " + count_text(c.unexpected, "unexpected outcomes");
      for (const auto& n : c.notes) {
        if (n.rfind("UNEXPECTED: ", 0) == 0) {
          line += "; first: " + n.substr(12);
          break;
        }
      }
      r.failures.push_back(line);
    }
  }
  if (r.keepalive_reconnects > 0) {
    r.failures.push_back("an idle client pinging every 10 s lost its connection " +
                         count_text(r.keepalive_reconnects, "times"));
  }
}

// What the run collected so far, analysed and judged.
void assemble(SoakRecord& record, const RequestLedger& ledger, const ResourceSampler& sampler,
              const Timeline& timeline, const ChaosMonkey* chaos, const SlopeSettings& slopes) {
  ledger.fill(record);
  sampler.fill(record);
  record.events = timeline.events();
  if (chaos != nullptr) record.chaos = chaos->tallies();
  record.slopes = analyse_slopes(record.processes, slopes);
  judge(record, ledger.lost_examples());
}

}  // namespace

int run_soak(const SoakOptions& o, std::stop_token interrupt, std::FILE* out) {
  validate(o);
  std::filesystem::create_directories(o.report_dir);
  const Corpus& corpus = Corpus::embedded();

  SoakRecord record;
  record.nmtd_version = NMTD_VERSION;
  record.started_at_utc = utc_now();
  record.seed = o.seed;
  record.planned_duration_s = o.duration_s;
  record.chaos_every_s = o.chaos_every_s;
  record.sample_every_s = o.sample_every_s;
  record.profiles = o.profiles;
  record.chaos_actions = o.chaos_every_s > 0 ? o.chaos_actions : std::vector<std::string>{};
  record.slope_settings = o.slopes;
  record.idle_unload_s = o.idle_unload_s;

  std::optional<SoakServer> server;
  ProbeTargets targets;
  if (o.server) {
    targets.grpc = *o.server;
    targets.http = o.http;
  } else {
    std::fprintf(out, "[soak] starting nmtd serve (%d workers) on %s\n", o.workers,
                 o.model.empty() ? "a generated model" : o.model.c_str());
    std::fflush(out);
    server.emplace(
        ServerSettings{o.model, o.report_dir, o.workers, o.server_cache_mib,
                       std::chrono::milliseconds(static_cast<int64_t>(o.idle_unload_s * 1000)),
                       o.serve_args, std::chrono::seconds(300), interrupt});
    targets.grpc = server->grpc_target();
    targets.http = server->http_target();
    record.model = server->model().string();
    record.started_server = true;
  }
  record.server = targets.grpc;
  targets.deadline = std::chrono::milliseconds(static_cast<int64_t>(o.request_deadline_s * 1000));

  Timeline timeline;
  RequestLedger ledger;
  if (o.max_requests) ledger.set_budget(*o.max_requests);
  const ServerCalls sampler_calls(targets.grpc);
  ResourceSampler sampler(sampler_calls, ledger, timeline, o.sample_every_s);
  sampler.sample_round();
  if (!sampler.last_status()) {
    throw IoError("the server at " + targets.grpc + " does not answer GetStatus");
  }
  sampler.start();
  record.chaos_spared_slot = spared_slot(o, *sampler.last_status());
  std::fprintf(out, "[soak] %s for %s, seed %llu, profiles", targets.grpc.c_str(),
               format_elapsed(o.duration_s).c_str(), static_cast<unsigned long long>(o.seed));
  for (const auto& p : o.profiles) std::fprintf(out, " %s", p.c_str());
  if (o.chaos_every_s > 0) std::fprintf(out, ", chaos every %.0f s", o.chaos_every_s);
  if (o.chaos_every_s > 0 && record.chaos_spared_slot >= 0)
    std::fprintf(out, " (signals spare slot %d)", record.chaos_spared_slot);
  std::fprintf(out, "; report in %s\n", o.report_dir.c_str());
  std::fflush(out);

  if (std::find(o.profiles.begin(), o.profiles.end(), kShortProbeProfile) != o.profiles.end()) {
    // Before any load: the latency the short probes are compared with. Each is sent alone.
    const ServerCalls probe_calls(targets.grpc);
    probe_unloaded(probe_calls, corpus, ledger, targets.deadline, o.seed ^ 0x5bd1e995ULL,
                   kUnloadedProbeWarmup, kUnloadedProbeCount, kUnloadedProbeBudget, interrupt);
    SoakRecord probed;
    ledger.fill(probed);
    if (const auto it = probed.latency_by_profile.find(kUnloadedProbeProfile);
        it != probed.latency_by_profile.end()) {
      const LatencySummary s = summarise_latency(it->second);
      std::fprintf(out, "[soak] short texts on the idle server: p50 %.0f ms, max %.0f ms (%llu)\n",
                   s.p50_ms, s.max_ms, static_cast<unsigned long long>(s.count));
      std::fflush(out);
    }
  }

  ProgressDisplay progress(
      ledger, timeline, o.duration_s, o.progress_bar, [&sampler] { return sampler.restarts(); },
      out);
  progress.start();
  std::optional<ChaosMonkey> chaos;
  {
    LoadProfiles load(
        LoadSettings{targets.grpc,
                     std::chrono::milliseconds(static_cast<int64_t>(o.request_deadline_s * 1000)),
                     o.saturating_clients, o.desktop_idle_max_s},
        o.profiles, o.seed, corpus, ledger);
    if (o.chaos_every_s > 0) {
      chaos.emplace(
          ChaosSettings{targets, o.chaos_every_s, o.chaos_actions, record.chaos_spared_slot},
          o.seed ^ 0x9e3779b97f4a7c15ULL, corpus, timeline);
      chaos->start();
    }
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(o.duration_s));
    std::string why = "the duration has passed";
    // A report every few minutes: a long soak cut short (or a machine that died under it)
    // still leaves its figures.
    const auto interim_every = std::chrono::minutes(5);
    auto next_interim = std::chrono::steady_clock::now() + interim_every;
    while (std::chrono::steady_clock::now() < until) {
      if (std::chrono::steady_clock::now() >= next_interim) {
        next_interim += interim_every;
        SoakRecord interim = record;
        interim.finished = false;
        interim.duration_s = timeline.now_s();
        interim.keepalive_reconnects = load.keepalive_reconnects();
        assemble(interim, ledger, sampler, timeline, chaos ? &*chaos : nullptr, o.slopes);
        try {
          write_report(o.report_dir, interim);
        } catch (const std::exception& e) {
          progress.say(std::string("[soak] cannot write the interim report: ") + e.what());
        }
      }
      if (interrupt.stop_requested()) {
        why = "interrupted";
        break;
      }
      if (ledger.budget_spent()) {
        why = "--max-requests were sent";
        break;
      }
      if (server) {
        if (const auto ended = server->ended()) {
          why = "the server " + ended->describe();
          record.failures.push_back("nmtd serve " + ended->describe() + " during the soak");
          break;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    timeline.add("phase", "load stops: " + why);
    progress.say("[soak] stopping: " + why + "; waiting for the requests in flight");
    // Both asked at once, then both awaited: the load does not run on while chaos finishes.
    if (chaos) chaos->request_stop();
    load.request_stop();
    if (chaos) chaos->stop();
    load.stop();
    record.keepalive_reconnects = load.keepalive_reconnects();
  }
  sampler.stop();
  sampler.sample_round();  // the last round, after the sampler's own thread has ended
  progress.stop();
  record.duration_s = timeline.now_s();

  if (server && !server->ended()) {
    std::fprintf(out, "[soak] stopping nmtd serve (SIGTERM)\n");
    std::fflush(out);
    const ExitStatus ended = server->stop(std::chrono::seconds(60));
    if (ended.signaled || ended.code != 0) {
      record.failures.push_back("nmtd serve " + ended.describe() + " on SIGTERM (expected 0)");
    }
    // Its workers must not outlive it.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    if (const auto last = sampler.last_status()) {
      for (const auto& w : last->workers()) {
        if (is_local_nmtd(w.pid(), "worker")) {
          record.failures.push_back("worker pid " + std::to_string(w.pid()) +
                                    " outlived nmtd serve");
        }
      }
    }
  }

  assemble(record, ledger, sampler, timeline, chaos ? &*chaos : nullptr, o.slopes);
  write_report(o.report_dir, record);

  const OutcomeTally& t = record.total;
  std::fprintf(out,
               "[soak] %s: sent %llu, answered %llu, failed %llu, lost %llu in %s; restarts %zu "
               "kinds, retries %llu\n",
               record.failures.empty() ? "PASSED" : "FAILED",
               static_cast<unsigned long long>(t.sent), static_cast<unsigned long long>(t.answered),
               static_cast<unsigned long long>(t.failed), static_cast<unsigned long long>(t.lost),
               format_elapsed(record.duration_s).c_str(), record.restarts_by_reason.size(),
               static_cast<unsigned long long>(record.retries));
  if (record.idle_unload_s > 0) {
    std::fprintf(out, "[soak] idle unloads %llu, longest wake seen %lld ms\n",
                 static_cast<unsigned long long>(record.idle_unloads),
                 static_cast<long long>(record.longest_wake_ms));
  }
  for (const auto& f : record.failures) std::fprintf(out, "[soak] FAIL: %s\n", f.c_str());
  std::fprintf(out, "[soak] report: %s/report.html (and report.json)\n", o.report_dir.c_str());
  std::fflush(out);
  return record.failures.empty() ? 0 : 1;
}

}  // namespace nmtd::soak
