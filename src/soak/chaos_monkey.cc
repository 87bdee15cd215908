#include "soak/chaos_monkey.h"

#include <signal.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "common/signal_watcher.h"
#include "soak/local_process.h"
#include "soak/server_calls.h"
#include "soak/stoppable_sleep.h"

namespace nmtd::soak {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::size_t kNotesKept = 40;

std::string describe_signal(int signo) { return signo == SIGKILL ? "kill -9" : signal_name(signo); }

}  // namespace

ChaosMonkey::ChaosMonkey(ChaosSettings settings, uint64_t seed, const Corpus& corpus,
                         Timeline& timeline)
    : settings_(std::move(settings)), rng_(seed), corpus_(corpus), timeline_(timeline) {
  for (const auto& a : settings_.actions) tallies_[a].action = a;
}

ChaosMonkey::~ChaosMonkey() { stop(); }

void ChaosMonkey::start() {
  if (settings_.every_s <= 0 || settings_.actions.empty()) return;
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void ChaosMonkey::request_stop() { thread_.request_stop(); }

void ChaosMonkey::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

std::vector<ChaosTally> ChaosMonkey::tallies() const {
  std::lock_guard lock(mu_);
  std::vector<ChaosTally> out;
  for (const auto& a : settings_.actions) out.push_back(tallies_.at(a));
  return out;
}

ChaosTally& ChaosMonkey::tally(const std::string& action) { return tallies_[action]; }

void ChaosMonkey::run(std::stop_token stop) {
  const auto every = std::chrono::duration<double>(settings_.every_s);
  auto next = SteadyClock::now() + std::chrono::duration_cast<SteadyClock::duration>(every);
  // Actions are dealt from a shuffled deck of all of them: random order, yet every action
  // comes up once per round, so even a short soak meets each kind of chaos.
  std::vector<std::string> deck;
  for (;;) {
    const auto wait = std::chrono::duration<double>(next - SteadyClock::now());
    if (!sleep_unless_stopped(stop, std::max(wait, std::chrono::duration<double>(0)))) return;
    if (deck.empty()) {
      deck = settings_.actions;
      std::shuffle(deck.begin(), deck.end(), rng_);
    }
    const std::string action = deck.back();
    deck.pop_back();
    act(action, stop);
    // An action that took longer than the interval (a slow recovery) delays the next one
    // rather than stacking them up.
    next = std::max(next + std::chrono::duration_cast<SteadyClock::duration>(every),
                    SteadyClock::now());
  }
}

void ChaosMonkey::record(const std::string& action, const std::vector<ProbeCheck>& checks) {
  std::lock_guard lock(mu_);
  ChaosTally& t = tally(action);
  ++t.done;
  for (const auto& c : checks) {
    ++(c.expected ? t.expected : t.unexpected);
    // Every unexpected outcome is kept (up to the bound); expected ones only for the first
    // actions, to show what a normal outcome looks like.
    if (t.notes.size() < kNotesKept && (!c.expected || t.done <= 2)) {
      t.notes.push_back((c.expected ? "" : "UNEXPECTED: ") + c.note);
    }
  }
}

void ChaosMonkey::act(const std::string& action, std::stop_token stop) {
  if (action == "kill-9") return signal_worker(action, SIGKILL, stop);
  if (action == "sigsegv") return signal_worker(action, SIGSEGV, stop);
  if (action == "sigstop") return signal_worker(action, SIGSTOP, stop);
  timeline_.add("chaos", action);
  if (action == "flood") return record(action, flood_probe(settings_.targets, corpus_, rng_));
  if (action == "malformed") return record(action, malformed_probes(settings_.targets));
  if (action == "slow-client") {
    const auto hold = std::chrono::milliseconds(
        static_cast<int64_t>(std::min(10.0, settings_.every_s / 2) * 1000));
    return record(action, slow_client_probe(settings_.targets, corpus_, rng_, hold, stop));
  }
}

void ChaosMonkey::signal_worker(const std::string& action, int signo, std::stop_token stop) {
  const ServerCalls calls(settings_.targets.grpc);
  const auto before = calls.status(std::chrono::seconds(5));
  std::vector<const nmt::v1::WorkerStatus*> ready;
  if (before) {
    for (const auto& w : before->workers()) {
      if (w.accepting() && w.phase() == "ready" && w.pid() > 0 && w.slot() != settings_.spared_slot)
        ready.push_back(&w);
    }
  }
  // A skip is counted and said, never signalled.
  auto skip = [&](const std::string& why) {
    std::lock_guard lock(mu_);
    ChaosTally& t = tally(action);
    ++t.skipped;
    if (t.notes.size() < kNotesKept) t.notes.push_back("skipped: " + why);
  };
  if (ready.empty()) {
    return skip(settings_.spared_slot < 0
                    ? "no ready worker to signal"
                    : "no ready worker outside the spared slot " +
                          std::to_string(settings_.spared_slot) + " to signal");
  }
  const auto& victim =
      *ready[std::uniform_int_distribution<std::size_t>(0, ready.size() - 1)(rng_)];
  const pid_t pid = victim.pid();
  const std::string who = "worker " + std::to_string(victim.slot()) + "." +
                          std::to_string(victim.generation()) + " (pid " + std::to_string(pid) +
                          ")";
  // The handle first, then the check: a signal through the handle cannot reach a process that
  // took the pid over after the check.
  const PidHandle handle(pid);
  if (!handle.valid() || !is_local_worker_of(pid, before->pid())) {
    return skip(who + " is not a worker of the front on this machine");
  }
  const int wanted = before->workers_wanted();
  const auto sent_at = SteadyClock::now();
  if (const int error = handle.send(signo); error != 0) {
    return skip(who + " could not be signalled: " + std::strerror(error));
  }
  timeline_.add("chaos", describe_signal(signo) + " " + who);
  // Recovered: the victim is out of the pool and every slot has a ready worker again.
  const auto limit = std::chrono::seconds(60);
  bool recovered = false;
  while (SteadyClock::now() - sent_at < limit) {
    if (!sleep_unless_stopped(stop, std::chrono::milliseconds(200))) break;
    const auto now = calls.status(std::chrono::seconds(2));
    if (!now) continue;
    bool victim_gone = true;
    for (const auto& w : now->workers()) {
      if (w.pid() == pid && w.accepting()) victim_gone = false;
    }
    if (victim_gone && now->workers_ready() >= wanted) {
      recovered = true;
      break;
    }
  }
  const double took = std::chrono::duration<double>(SteadyClock::now() - sent_at).count();
  std::ostringstream note;
  note.precision(3);
  if (recovered) {
    note << describe_signal(signo) << " " << who << ": replaced, all workers ready after " << took
         << " s";
  } else if (stop.stop_requested()) {
    note << describe_signal(signo) << " " << who << ": the soak ended " << took
         << " s later, before the pool was whole again";
  } else {
    note << describe_signal(signo) << " " << who << ": the pool was not whole again after " << took
         << " s";
  }
  // The end of the soak cutting a recovery short is no fault of the server.
  record(action, {{recovered || stop.stop_requested(), note.str()}});
}

}  // namespace nmtd::soak
