#pragma once
// The load profiles of a soak, each on its own client threads and connections:
//  crash-report  Baketa Translate of random 10-500 character texts, one every 0.1-1.0 s
//                (the load under which the old server vanished);
//  desktop       a desktop app's day through the Baketa API: short UI and dialogue lines with
//                many repeats, single and batched, then idle spells with keepalive pings only;
//                a connection that drops while idle is counted as a reconnect;
//  saturate      N clients on nmt.v1 as fast as the server answers (Translate and
//                TranslateStream alike);
//  burst         quiet, then dozens of concurrent calls at once, through both APIs;
//  short-probe   one short text (<= 20 characters) every 1-3 s through nmt.v1: the latency a
//                player feels while the others load the server (soak/short_probe.h).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "soak/corpus.h"
#include "soak/request_ledger.h"

namespace nmtd::soak {

struct LoadSettings {
  std::string target;  // host:port of the server
  std::chrono::milliseconds deadline{30'000};
  int saturating_clients = 2;
  double desktop_idle_max_s = 120;
};

class LoadProfiles {
 public:
  // Starts every named profile at once. `ledger` and `corpus` must outlive this object.
  LoadProfiles(LoadSettings settings, const std::vector<std::string>& profiles, uint64_t seed,
               const Corpus& corpus, RequestLedger& ledger);
  ~LoadProfiles();  // stop()
  LoadProfiles(const LoadProfiles&) = delete;
  LoadProfiles& operator=(const LoadProfiles&) = delete;

  // Asks every profile to stop and waits: calls in flight run to their answer or deadline,
  // so that every request sent is settled before the report is written.
  void stop();
  // Asks, without waiting (stop() then waits), so that other parts can be asked meanwhile.
  void request_stop();

  uint64_t keepalive_reconnects() const { return reconnects_.load(); }

 private:
  void crash_report(std::stop_token stop, uint64_t seed);
  void desktop(std::stop_token stop, uint64_t seed);
  void saturate_unary(std::stop_token stop, uint64_t seed, int client);
  void saturate_stream(std::stop_token stop, uint64_t seed, int client);
  void burst(std::stop_token stop, uint64_t seed);

  const LoadSettings settings_;
  const Corpus& corpus_;
  RequestLedger& ledger_;
  std::atomic<uint64_t> reconnects_{0};
  std::vector<std::jthread> threads_;  // last: joined before the members they use go away
};

}  // namespace nmtd::soak
