#include "soak/resource_sampler.h"

#include "monitor/resource_sample.h"
#include "soak/local_process.h"
#include "soak/stoppable_sleep.h"

namespace nmtd::soak {

ResourceSampler::ResourceSampler(const ServerCalls& calls, RequestLedger& ledger,
                                 Timeline& timeline, double every_s)
    : calls_(calls), ledger_(ledger), timeline_(timeline), every_s_(every_s) {}

ResourceSampler::~ResourceSampler() { stop(); }

void ResourceSampler::start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    do {
      sample_round();
    } while (sleep_unless_stopped(stop, std::chrono::duration<double>(every_s_)));
  });
}

void ResourceSampler::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

void ResourceSampler::watch(pid_t pid, const std::string& name, const std::string& role, int slot,
                            int generation, bool local, const nmt::v1::ResourceSample& reported,
                            double t) {
  // Keyed by name too: a pid reused by a later worker is another process.
  auto [it, added] = index_.try_emplace(name + "/" + std::to_string(pid), processes_.size());
  if (added) {
    WatchedProcess p;
    p.name = name;
    p.role = role;
    p.slot = slot;
    p.generation = generation;
    p.pid = pid;
    processes_.push_back(std::move(p));
  }
  WatchedProcess& process = processes_[it->second];
  ProcessSample sample;
  sample.t_s = t;
  const auto read = local ? monitor::read_process_resources(pid) : std::nullopt;
  if (read) {
    process.source = "procfs";
    sample.rss_bytes = read->rss_bytes;
    sample.open_fds = read->open_fds;
    sample.threads = read->threads;
  } else if (reported.has_unix_time_ms()) {
    // Not on this machine, or already gone: what the process last reported of itself.
    if (process.source.empty()) process.source = "GetStatus";
    sample.rss_bytes = reported.rss_bytes();
    sample.open_fds = reported.open_fds();
    sample.threads = reported.threads();
  } else {
    return;  // nothing known yet
  }
  if (reported.gpu_available()) sample.gpu_used_bytes = reported.gpu_used_bytes();
  process.samples.push_back(sample);
}

void ResourceSampler::count_restarts(const nmt::v1::GetStatusResponse& status) {
  std::map<std::string, uint64_t> now(status.restarts_by_reason().begin(),
                                      status.restarts_by_reason().end());
  // Counts from before the soak (an attached server's past) are not the soak's.
  if (!restarts_baseline_) {
    restarts_baseline_ = now;
    retries_baseline_ = status.retries();
  }
  for (const auto& [reason, count] : now) {
    const uint64_t before = restarts_baseline_->count(reason) ? restarts_baseline_->at(reason) : 0;
    const uint64_t during = count >= before ? count - before : 0;
    uint64_t& seen = restarts_seen_[reason];
    for (; seen < during; ++seen) timeline_.add("restart", "restart: " + reason);
  }
  retries_ = status.retries() >= retries_baseline_ ? status.retries() - retries_baseline_ : 0;
  // Idle unloads (serve --idle-unload): each one, and the wakes the samples catch.
  if (!unloads_baseline_) unloads_baseline_ = status.idle_unloads();
  const uint64_t unloads =
      status.idle_unloads() >= *unloads_baseline_ ? status.idle_unloads() - *unloads_baseline_ : 0;
  for (; unloads_ < unloads; ++unloads_) timeline_.add("idle", "workers unloaded while idle");
  if (status.has_last_wake_ms() && status.last_wake_ms() > longest_wake_ms_ && unloads_ > 0)
    longest_wake_ms_ = status.last_wake_ms();
  std::set<std::string> ids;
  for (const auto& report : status.crash_reports()) ids.insert(report.id());
  if (!crash_report_ids_before_) {
    crash_report_ids_before_ = ids;
    return;
  }
  for (const auto& id : ids) {
    if (!crash_report_ids_before_->count(id)) crash_report_ids_.insert(id);
  }
}

void ResourceSampler::sample_round() {
  const auto status = calls_.status(std::chrono::seconds(2));
  const double t = timeline_.now_s();
  const LatencyPoint latency = ledger_.take_interval(t);
  std::lock_guard lock(mu_);
  latency_.push_back(latency);
  if (!status) {
    ++failed_rounds_;
    return;
  }
  last_status_ = *status;
  // Attached straight to a worker (no front), the process is named for what it is.
  const bool attached_to_worker = status->role() == "worker";
  const std::string name = attached_to_worker ? "worker (attached)" : "front";
  // /proc is read only for processes that are what GetStatus says, here: an attached server
  // may be on another machine or in another pid namespace, where its pids are strangers here.
  const pid_t front = status->pid();
  const bool front_local = is_local_nmtd(front, attached_to_worker ? "worker" : "serve");
  if (front > 0) watch(front, name, "front", -1, 0, front_local, status->resources(), t);
  for (const auto& w : status->workers()) {
    if (w.pid() <= 0) continue;
    watch(w.pid(), "worker " + std::to_string(w.slot()) + "." + std::to_string(w.generation()),
          "worker", w.slot(), w.generation(), front_local && is_local_worker_of(w.pid(), front),
          w.status().resources(), t);
  }
  count_restarts(*status);
}

std::optional<nmt::v1::GetStatusResponse> ResourceSampler::last_status() const {
  std::lock_guard lock(mu_);
  return last_status_;
}

uint64_t ResourceSampler::restarts() const {
  std::lock_guard lock(mu_);
  uint64_t n = 0;
  for (const auto& [reason, count] : restarts_seen_) n += count;
  return n;
}

uint64_t ResourceSampler::failed_rounds() const {
  std::lock_guard lock(mu_);
  return failed_rounds_;
}

void ResourceSampler::fill(SoakRecord& record) const {
  std::lock_guard lock(mu_);
  record.processes = processes_;
  record.latency_over_time = latency_;
  record.restarts_by_reason.clear();
  for (const auto& [reason, count] : restarts_seen_) {
    if (count > 0) record.restarts_by_reason[reason] = count;
  }
  record.retries = retries_;
  record.idle_unloads = unloads_;
  record.longest_wake_ms = longest_wake_ms_;
  record.crash_reports = crash_report_ids_.size();
}

}  // namespace nmtd::soak
