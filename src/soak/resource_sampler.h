#pragma once
// Watches the server every few seconds: the front and each worker process (RSS, open fds,
// threads, GPU memory), the front's restart counters (each new restart becomes an event), and
// the latency of the requests answered since the last round.
//
// Processes are read from /proc when they are on this machine and readable (exact, current);
// otherwise from the front's GetStatus (the worker's own last monitor sample, which may be up
// to `worker.monitor_interval_ms` old). The report names the source of each process.
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "nmt/v1/translator.pb.h"
#include "soak/request_ledger.h"
#include "soak/server_calls.h"
#include "soak/timeline.h"

namespace nmtd::soak {

class ResourceSampler {
 public:
  // `calls`, `ledger` and `timeline` must outlive the sampler.
  ResourceSampler(const ServerCalls& calls, RequestLedger& ledger, Timeline& timeline,
                  double every_s);
  ~ResourceSampler();  // stop()
  ResourceSampler(const ResourceSampler&) = delete;
  ResourceSampler& operator=(const ResourceSampler&) = delete;

  void start();         // a round now, then one every `every_s`
  void stop();          // joins the thread
  void sample_round();  // one round on the calling thread

  // The front's latest GetStatus answer; nullopt before the first successful one.
  std::optional<nmt::v1::GetStatusResponse> last_status() const;
  uint64_t failed_rounds() const;
  // Worker restarts seen since the soak began, all reasons together.
  uint64_t restarts() const;

  // Processes, restarts, retries, crash reports and latency points into the record.
  void fill(SoakRecord& record) const;

 private:
  void watch(pid_t pid, const std::string& name, const std::string& role, int slot, int generation,
             bool local, const nmt::v1::ResourceSample& reported, double t);
  void count_restarts(const nmt::v1::GetStatusResponse& status);

  const ServerCalls& calls_;
  RequestLedger& ledger_;
  Timeline& timeline_;
  const double every_s_;

  mutable std::mutex mu_;
  std::vector<WatchedProcess> processes_;     // in the order first seen
  std::map<std::string, std::size_t> index_;  // "name/pid" -> position in processes_
  std::optional<nmt::v1::GetStatusResponse> last_status_;
  std::optional<std::map<std::string, uint64_t>> restarts_baseline_;
  std::map<std::string, uint64_t> restarts_seen_;
  uint64_t retries_baseline_ = 0;
  uint64_t retries_ = 0;
  std::optional<uint64_t> unloads_baseline_;
  uint64_t unloads_ = 0;
  int64_t longest_wake_ms_ = -1;
  std::optional<std::set<std::string>> crash_report_ids_before_;  // archived before the soak
  std::set<std::string> crash_report_ids_;                        // archived during it
  std::vector<LatencyPoint> latency_;
  uint64_t failed_rounds_ = 0;

  std::jthread thread_;
};

}  // namespace nmtd::soak
