#include "soak/request_ledger.h"

#include <algorithm>
#include <cmath>

namespace nmtd::soak {
namespace {

// Roughly 10 buckets per decade from 0.5 ms to 10 minutes: fine enough for percentiles
// read back from the histogram, small enough to print.
std::vector<double> latency_bounds_ms() {
  std::vector<double> bounds;
  for (double b = 0.5; b <= 600000; b *= 1.25) bounds.push_back(std::round(b * 100) / 100);
  return bounds;
}

LatencyHistogram empty_histogram() {
  LatencyHistogram h;
  h.upper_bounds_ms = latency_bounds_ms();
  h.counts.assign(h.upper_bounds_ms.size() + 1, 0);
  return h;
}

void count_latency(LatencyHistogram& h, double ms) {
  const auto& b = h.upper_bounds_ms;
  ++h.counts[static_cast<std::size_t>(std::lower_bound(b.begin(), b.end(), ms) - b.begin())];
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

}  // namespace

Settlement settle(const std::string& code, bool answer_well_formed) {
  if (code == "OK") return answer_well_formed ? Settlement::answered : Settlement::lost;
  // What the client was told clearly and can act on: back off, or fix the request.
  static const char* const refusals[] = {
      "RESOURCE_EXHAUSTED", "INVALID_ARGUMENT",  "FAILED_PRECONDITION", "OUT_OF_RANGE",
      "UNIMPLEMENTED",      "PERMISSION_DENIED", "UNAUTHENTICATED"};
  for (const char* r : refusals) {
    if (code == r) return Settlement::failed;
  }
  // UNAVAILABLE, INTERNAL, UNKNOWN, DEADLINE_EXCEEDED, CANCELLED, DATA_LOSS, ABORTED and
  // answers that do not hold what was asked: the request is lost to the client.
  return Settlement::lost;
}

RequestLedger::RequestLedger() : histogram_(empty_histogram()) {}

void RequestLedger::set_budget(uint64_t budget) {
  std::lock_guard lock(mu_);
  budget_ = budget;
}

bool RequestLedger::sent(const std::string& profile, const std::string& api) {
  std::lock_guard lock(mu_);
  if (budget_ && total_.sent >= *budget_) return false;
  ++by_profile_[profile].sent;
  ++by_api_[api].sent;
  ++total_.sent;
  return true;
}

bool RequestLedger::budget_spent() const {
  std::lock_guard lock(mu_);
  return budget_ && total_.sent >= *budget_;
}

void RequestLedger::add(OutcomeTally& tally, Settlement s, const std::string& code) {
  switch (s) {
    case Settlement::answered:
      ++tally.answered;
      break;
    case Settlement::failed:
      ++tally.failed;
      break;
    case Settlement::lost:
      ++tally.lost;
      break;
  }
  ++tally.by_code[code];
}

Settlement RequestLedger::settled(const std::string& profile, const std::string& api,
                                  const std::string& code, bool answer_well_formed,
                                  std::chrono::duration<double, std::milli> latency,
                                  const std::string& detail) {
  const Settlement s = settle(code, answer_well_formed);
  const std::string counted = (code == "OK" && !answer_well_formed) ? "MALFORMED_ANSWER" : code;
  std::lock_guard lock(mu_);
  add(total_, s, counted);
  add(by_profile_[profile], s, counted);
  add(by_api_[api], s, counted);
  if (s == Settlement::lost && lost_examples_.size() < 20) {
    lost_examples_.push_back(profile + " " + api + " " + counted + ": " + detail);
  }
  if (s == Settlement::answered) {
    const double ms = latency.count();
    count_latency(histogram_, ms);
    auto [by_profile, added] = histogram_by_profile_.try_emplace(profile);
    if (added) by_profile->second = empty_histogram();
    count_latency(by_profile->second, ms);
    interval_ms_.push_back(ms);
  }
  return s;
}

std::vector<std::string> RequestLedger::lost_examples() const {
  std::lock_guard lock(mu_);
  return lost_examples_;
}

OutcomeTally RequestLedger::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

uint64_t RequestLedger::in_flight() const {
  std::lock_guard lock(mu_);
  return total_.sent - total_.answered - total_.failed - total_.lost;
}

LatencyPoint RequestLedger::take_interval(double t_s) {
  std::vector<double> taken;
  {
    std::lock_guard lock(mu_);
    taken.swap(interval_ms_);
  }
  std::sort(taken.begin(), taken.end());
  LatencyPoint point;
  point.t_s = t_s;
  point.count = taken.size();
  point.p50_ms = percentile(taken, 0.50);
  point.p95_ms = percentile(taken, 0.95);
  point.p99_ms = percentile(taken, 0.99);
  return point;
}

void RequestLedger::fill(SoakRecord& record) const {
  std::lock_guard lock(mu_);
  record.total = total_;
  record.by_profile = by_profile_;
  record.by_api = by_api_;
  record.latency = histogram_;
  record.latency_by_profile = histogram_by_profile_;
}

}  // namespace nmtd::soak
