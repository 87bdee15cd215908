#pragma once
// The book of every load request: sent, then settled exactly once as answered, failed or lost
// (soak_record.h defines the three). Thread-safe; the load threads write, the sampler and the
// progress display read.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "soak/report/soak_record.h"

namespace nmtd::soak {

enum class Settlement { answered, failed, lost };

// How a finished call counts, from its gRPC status code name and whether an OK answer held
// what was asked for. Refusals the client can act on are failures; everything that leaves the
// client without an answer is lost.
Settlement settle(const std::string& code, bool answer_well_formed);

class RequestLedger {
 public:
  RequestLedger();

  // Requests beyond `budget` are not sent (--max-requests); none set: no bound.
  void set_budget(uint64_t budget);
  // Counts one request as sent and returns true, or returns false when the budget is spent
  // (the request must then not be sent).
  bool sent(const std::string& profile, const std::string& api);
  bool budget_spent() const;
  // `code`: the gRPC status code's name ("OK", "UNAVAILABLE"...); `detail` (the error
  // message, the request id) is kept for the first few lost requests.
  Settlement settled(const std::string& profile, const std::string& api, const std::string& code,
                     bool answer_well_formed, std::chrono::duration<double, std::milli> latency,
                     const std::string& detail = "");
  // "profile api CODE: detail" of the first lost requests (at most 20).
  std::vector<std::string> lost_examples() const;

  OutcomeTally total() const;
  uint64_t in_flight() const;
  // Percentiles of the requests settled as answered since the previous call.
  LatencyPoint take_interval(double t_s);

  // Copies the tallies and the latency histogram into the record.
  void fill(SoakRecord& record) const;

 private:
  static void add(OutcomeTally& tally, Settlement s, const std::string& code);

  mutable std::mutex mu_;
  std::optional<uint64_t> budget_;
  OutcomeTally total_;
  std::map<std::string, OutcomeTally> by_profile_;
  std::map<std::string, OutcomeTally> by_api_;
  LatencyHistogram histogram_;
  std::map<std::string, LatencyHistogram> histogram_by_profile_;
  std::vector<double> interval_ms_;
  std::vector<std::string> lost_examples_;  // answered latencies since take_interval
};

}  // namespace nmtd::soak
