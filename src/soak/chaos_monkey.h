#pragma once
// Breaks the server on purpose, one action every interval, dealt at random (seeded) from a deck
// of the enabled ones, so that each comes up once per round: kill -9, SIGSEGV or SIGSTOP of a
// random ready worker (outside the spared slot, if one is set), or a client-side probe
// (chaos_probes.h). After a signal it watches the front replace the worker and notes how long that
// took; a worker not replaced within a minute is an unexpected outcome.
//
// Signals need the workers on this machine: a pid that is not an `nmtd worker` child of the
// front here is skipped (counted, never signalled), and the signal goes through a pidfd taken
// before that check, so neither a remote server's pids nor a reused pid can hit a stranger.
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "soak/chaos_probes.h"
#include "soak/corpus.h"
#include "soak/report/soak_record.h"
#include "soak/timeline.h"

namespace nmtd::soak {

struct ChaosSettings {
  ProbeTargets targets;
  double every_s = 30;
  std::vector<std::string> actions;
  int spared_slot = -1;  // signals never hit the worker of this slot; -1: any worker
};

class ChaosMonkey {
 public:
  ChaosMonkey(ChaosSettings settings, uint64_t seed, const Corpus& corpus, Timeline& timeline);
  ~ChaosMonkey();  // stop()
  ChaosMonkey(const ChaosMonkey&) = delete;
  ChaosMonkey& operator=(const ChaosMonkey&) = delete;

  void start();         // the first action one interval from now
  void stop();          // an action under way finishes first (bounded by its own timeouts)
  void request_stop();  // without waiting
  std::vector<ChaosTally> tallies() const;

 private:
  void run(std::stop_token stop);
  void act(const std::string& action, std::stop_token stop);
  void signal_worker(const std::string& action, int signo, std::stop_token stop);
  void record(const std::string& action, const std::vector<ProbeCheck>& checks);
  ChaosTally& tally(const std::string& action);  // mu_ held

  const ChaosSettings settings_;
  std::mt19937_64 rng_;
  const Corpus& corpus_;
  Timeline& timeline_;
  mutable std::mutex mu_;
  std::map<std::string, ChaosTally> tallies_;
  std::jthread thread_;
};

}  // namespace nmtd::soak
