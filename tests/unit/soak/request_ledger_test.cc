#include "soak/request_ledger.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace nmtd::soak {
namespace {

using std::chrono::milliseconds;

TEST(Settle, OkAnswersCountOnlyWhenWellFormed) {
  EXPECT_EQ(settle("OK", true), Settlement::answered);
  EXPECT_EQ(settle("OK", false), Settlement::lost);
}

TEST(Settle, ClearRefusalsAreFailuresAndSilenceIsLoss) {
  for (const char* code : {"RESOURCE_EXHAUSTED", "INVALID_ARGUMENT", "UNIMPLEMENTED",
                           "FAILED_PRECONDITION", "OUT_OF_RANGE"}) {
    EXPECT_EQ(settle(code, false), Settlement::failed) << code;
  }
  for (const char* code : {"UNAVAILABLE", "INTERNAL", "UNKNOWN", "DEADLINE_EXCEEDED", "CANCELLED",
                           "DATA_LOSS", "ABORTED", "CODE_99"}) {
    EXPECT_EQ(settle(code, false), Settlement::lost) << code;
  }
}

TEST(RequestLedger, BooksBalanceAcrossThreads) {
  RequestLedger ledger;
  std::vector<std::jthread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&ledger, t] {
      for (int i = 0; i < 1000; ++i) {
        ASSERT_TRUE(ledger.sent("p" + std::to_string(t % 2), "api"));
        const char* code = i % 10 == 0 ? "RESOURCE_EXHAUSTED" : i % 97 == 0 ? "UNAVAILABLE" : "OK";
        ledger.settled("p" + std::to_string(t % 2), "api", code, true, milliseconds(i % 50));
      }
    });
  }
  threads.clear();
  const OutcomeTally total = ledger.total();
  EXPECT_EQ(total.sent, 4000u);
  EXPECT_EQ(total.sent, total.answered + total.failed + total.lost);
  EXPECT_EQ(total.failed, 400u);
  EXPECT_EQ(total.lost, 4u * 9u);  // i = 97, 194, ... 873 (970 is a multiple of 10)
  EXPECT_EQ(ledger.in_flight(), 0u);
  SoakRecord record;
  ledger.fill(record);
  EXPECT_EQ(record.by_profile.at("p0").sent + record.by_profile.at("p1").sent, 4000u);
  EXPECT_EQ(record.total.by_code.at("UNAVAILABLE"), 36u);
  uint64_t histogram = 0;
  for (auto c : record.latency.counts) histogram += c;
  EXPECT_EQ(histogram, total.answered);
  EXPECT_EQ(record.latency.counts.size(), record.latency.upper_bounds_ms.size() + 1);
  EXPECT_EQ(ledger.lost_examples().size(), 20u);  // bounded
}

TEST(RequestLedger, KeepsEachProfilesLatenciesApart) {
  RequestLedger ledger;
  for (int i = 0; i < 10; ++i) {
    ledger.sent("fast", "api");
    ledger.settled("fast", "api", "OK", true, milliseconds(2));
    ledger.sent("slow", "api");
    ledger.settled("slow", "api", "OK", true, milliseconds(5000));
  }
  ledger.sent("slow", "api");
  ledger.settled("slow", "api", "UNAVAILABLE", false, milliseconds(1));  // not a latency
  ledger.sent("refused", "api");
  ledger.settled("refused", "api", "RESOURCE_EXHAUSTED", false, milliseconds(1));
  SoakRecord record;
  ledger.fill(record);
  const auto answered = [](const LatencyHistogram& h) {
    uint64_t n = 0;
    for (auto c : h.counts) n += c;
    return n;
  };
  ASSERT_EQ(record.latency_by_profile.size(), 2u) << "only profiles with answers have latencies";
  EXPECT_EQ(answered(record.latency_by_profile.at("fast")), 10u);
  EXPECT_EQ(answered(record.latency_by_profile.at("slow")), 10u);
  EXPECT_EQ(answered(record.latency), 20u);
  const auto& fast = record.latency_by_profile.at("fast");
  const auto& slow = record.latency_by_profile.at("slow");
  EXPECT_EQ(fast.upper_bounds_ms, record.latency.upper_bounds_ms);
  // Every fast answer lies in a bucket below every slow one.
  std::size_t last_fast = 0, first_slow = slow.counts.size();
  for (std::size_t i = 0; i < fast.counts.size(); ++i) {
    if (fast.counts[i] > 0) last_fast = i;
    if (slow.counts[i] > 0 && first_slow == slow.counts.size()) first_slow = i;
  }
  EXPECT_LT(last_fast, first_slow);
}

TEST(RequestLedger, MalformedOkAnswersAreLostUnderTheirOwnCode) {
  RequestLedger ledger;
  ASSERT_TRUE(ledger.sent("p", "api"));
  EXPECT_EQ(ledger.settled("p", "api", "OK", false, milliseconds(1), "id-1: 2 of 3"),
            Settlement::lost);
  EXPECT_EQ(ledger.total().by_code.at("MALFORMED_ANSWER"), 1u);
  ASSERT_EQ(ledger.lost_examples().size(), 1u);
  EXPECT_EQ(ledger.lost_examples()[0], "p api MALFORMED_ANSWER: id-1: 2 of 3");
}

TEST(RequestLedger, BudgetStopsSending) {
  RequestLedger ledger;
  ledger.set_budget(3);
  EXPECT_TRUE(ledger.sent("p", "a"));
  EXPECT_TRUE(ledger.sent("p", "a"));
  EXPECT_FALSE(ledger.budget_spent());
  EXPECT_TRUE(ledger.sent("p", "a"));
  EXPECT_TRUE(ledger.budget_spent());
  EXPECT_FALSE(ledger.sent("p", "a"));
  EXPECT_EQ(ledger.total().sent, 3u);
  EXPECT_EQ(ledger.in_flight(), 3u);
}

TEST(RequestLedger, IntervalPercentilesCoverOnlyTheInterval) {
  RequestLedger ledger;
  for (int i = 1; i <= 100; ++i) {
    ASSERT_TRUE(ledger.sent("p", "a"));
    ledger.settled("p", "a", "OK", true, milliseconds(i));
  }
  const LatencyPoint first = ledger.take_interval(2.0);
  EXPECT_EQ(first.count, 100u);
  EXPECT_DOUBLE_EQ(first.p50_ms, 50);
  EXPECT_DOUBLE_EQ(first.p95_ms, 95);
  EXPECT_DOUBLE_EQ(first.p99_ms, 99);
  const LatencyPoint second = ledger.take_interval(4.0);
  EXPECT_EQ(second.count, 0u);
  EXPECT_DOUBLE_EQ(second.p99_ms, 0);
}

}  // namespace
}  // namespace nmtd::soak
