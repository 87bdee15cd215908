#include "front/metrics/registry.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

#include "common/error.h"

namespace nmtd::metrics {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(Registry, SameNameAndLabelsGiveTheSameSeries) {
  MetricsRegistry r;
  Counter& a = r.counter("x_total", "X.", {{"a", "1"}, {"b", "2"}});
  Counter& b = r.counter("x_total", "X.", {{"b", "2"}, {"a", "1"}});
  Counter& other = r.counter("x_total", "X.", {{"a", "1"}, {"b", "3"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &other);
  Gauge& g = r.gauge("g", "G.");
  EXPECT_EQ(&g, &r.gauge("g", "G."));
  Histogram& h = r.histogram("h", "H.", {1, 2}, {{"k", "v"}});
  EXPECT_EQ(&h, &r.histogram("h", "H.", {1, 2, kInf}, {{"k", "v"}}));
}

TEST(Registry, ReferencesSurviveManyMoreSeries) {
  MetricsRegistry r;
  Counter& first = r.counter("n_total", "N.", {{"i", "0"}});
  first.inc(7);
  for (int i = 1; i < 2000; ++i) r.counter("n_total", "N.", {{"i", std::to_string(i)}}).inc();
  EXPECT_EQ(first.value(), 7);
  EXPECT_EQ(&first, &r.counter("n_total", "N.", {{"i", "0"}}));
}

TEST(Registry, RefusesWhatContradictsAFamily) {
  MetricsRegistry r;
  r.counter("req_total", "Requests.", {{"outcome", "ok"}});
  EXPECT_THROW(r.gauge("req_total", "Requests."), InvalidArgument);  // type
  EXPECT_THROW(r.counter("req_total", "Other help.", {{"outcome", "ok"}}), InvalidArgument);
  EXPECT_THROW(r.counter("req_total", "Requests.", {{"kind", "ok"}}), InvalidArgument);
  EXPECT_THROW(r.counter("req_total", "Requests."), InvalidArgument);  // label names differ
  r.histogram("lat", "Latency.", {1, 2});
  EXPECT_THROW(r.histogram("lat", "Latency.", {1, 3}), InvalidArgument);  // bounds
}

TEST(Registry, RefusesBadNames) {
  MetricsRegistry r;
  EXPECT_THROW(r.gauge("1x", "G."), InvalidArgument);
  EXPECT_THROW(r.gauge("a-b", "G."), InvalidArgument);
  EXPECT_THROW(r.gauge("", "G."), InvalidArgument);
  EXPECT_THROW(r.gauge("g", "G.", {{"bad-label", "v"}}), InvalidArgument);
  EXPECT_THROW(r.gauge("g", "G.", {{"__reserved", "v"}}), InvalidArgument);
  EXPECT_THROW(r.gauge("g", "G.", {{"a", "1"}, {"a", "2"}}), InvalidArgument);
  EXPECT_THROW(r.gauge("g", "G.", {{"a", "\xff"}}), InvalidArgument);  // not UTF-8
  EXPECT_THROW(r.gauge("g", "bad \xc3"), InvalidArgument);
  EXPECT_THROW(r.counter("requests", "C."), InvalidArgument);  // not *_total
  EXPECT_THROW(r.counter("_total", "C."), InvalidArgument);
  EXPECT_THROW(r.histogram("h", "H.", {1}, {{"le", "1"}}), InvalidArgument);
  EXPECT_THROW(r.histogram("h", "H.", {2, 1}), InvalidArgument);
  EXPECT_THROW(r.histogram("h", "H.", {1, 1}), InvalidArgument);
  r.gauge("le_is_fine_here", "G.", {{"le", "x"}});             // only histograms reserve `le`
  EXPECT_EQ(r.render().find("# HELP h "), std::string::npos);  // refused families left nothing
}

TEST(Registry, RefusesFamiliesWhoseSamplesWouldCollide) {
  MetricsRegistry r;
  r.histogram("lat", "Latency.", {1});
  EXPECT_THROW(r.gauge("lat_count", "G."), InvalidArgument);
  EXPECT_THROW(r.gauge("lat_bucket", "G."), InvalidArgument);
  r.counter("jobs_total", "Jobs.");
  EXPECT_THROW(r.gauge("jobs", "G."), InvalidArgument);  // OpenMetrics family of jobs_total
  r.gauge("queue", "Q.");
  EXPECT_THROW(r.counter("queue_total", "C."), InvalidArgument);
}

TEST(Registry, RendersEveryKindWithLabelsAndEscapes) {
  MetricsRegistry r;
  r.counter("nmtd_requests_total", "Requests by outcome.", {{"outcome", "ok"}}).inc(3);
  r.counter("nmtd_requests_total", "Requests by outcome.", {{"outcome", "error"}});
  r.gauge("nmtd_queue_depth", "Help with \\ and\nnewline \"kept\".").set(-2.5);
  r.gauge("nmtd_weird", "W.", {{"b", "quote\" slash\\ nl\n"}, {"a", "é"}}).set(kInf);
  r.gauge("nmtd_nan", "N.").set(std::nan(""));
  Histogram& h = r.histogram("nmtd_latency_seconds", "Latency.", {0.1, 1}, {{"pair", "x"}});
  h.observe(0.05);
  h.observe(0.5);
  h.observe(7);
  r.histogram("nmtd_empty_seconds", "Empty.", {0.5});

  EXPECT_EQ(r.render(),
            "# HELP nmtd_requests_total Requests by outcome.\n"
            "# TYPE nmtd_requests_total counter\n"
            "nmtd_requests_total{outcome=\"ok\"} 3\n"
            "nmtd_requests_total{outcome=\"error\"} 0\n"
            "# HELP nmtd_queue_depth Help with \\\\ and\\nnewline \"kept\".\n"
            "# TYPE nmtd_queue_depth gauge\n"
            "nmtd_queue_depth -2.5\n"
            "# HELP nmtd_weird W.\n"
            "# TYPE nmtd_weird gauge\n"
            "nmtd_weird{a=\"é\",b=\"quote\\\" slash\\\\ nl\\n\"} +Inf\n"
            "# HELP nmtd_nan N.\n"
            "# TYPE nmtd_nan gauge\n"
            "nmtd_nan NaN\n"
            "# HELP nmtd_latency_seconds Latency.\n"
            "# TYPE nmtd_latency_seconds histogram\n"
            "nmtd_latency_seconds_bucket{pair=\"x\",le=\"0.1\"} 1\n"
            "nmtd_latency_seconds_bucket{pair=\"x\",le=\"1\"} 2\n"
            "nmtd_latency_seconds_bucket{pair=\"x\",le=\"+Inf\"} 3\n"
            "nmtd_latency_seconds_sum{pair=\"x\"} 7.55\n"
            "nmtd_latency_seconds_count{pair=\"x\"} 3\n"
            "# HELP nmtd_empty_seconds Empty.\n"
            "# TYPE nmtd_empty_seconds histogram\n"
            "nmtd_empty_seconds_bucket{le=\"0.5\"} 0\n"
            "nmtd_empty_seconds_bucket{le=\"+Inf\"} 0\n"
            "nmtd_empty_seconds_sum 0\n"
            "nmtd_empty_seconds_count 0\n");
}

TEST(Registry, EmptyRegistryRendersNothing) { EXPECT_EQ(MetricsRegistry().render(), ""); }

TEST(Registry, ConcurrentCreationAndUpdatesGiveExactTotals) {
  constexpr int kThreads = 8;
  constexpr int kEach = 20000;
  MetricsRegistry r;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&r, t] {
        for (int i = 0; i < kEach; ++i) {
          // Every call goes through get-or-create, racing with the others and with render().
          r.counter("c_total", "C.", {{"parity", t % 2 ? "odd" : "even"}}).inc();
          r.histogram("h", "H.", {10}).observe(i % 20);
          if (i % 1000 == 0) {
            EXPECT_FALSE(r.render().empty());
          }
        }
      });
    }
  }
  EXPECT_EQ(r.counter("c_total", "C.", {{"parity", "odd"}}).value(), kThreads / 2 * kEach);
  EXPECT_EQ(r.counter("c_total", "C.", {{"parity", "even"}}).value(), kThreads / 2 * kEach);
  const Histogram& h = r.histogram("h", "H.", {10});
  EXPECT_EQ(h.count(), std::uint64_t(kThreads) * kEach);
  EXPECT_EQ(h.cumulative_counts()[0], std::uint64_t(kThreads) * kEach * 11 / 20);
}

}  // namespace
}  // namespace nmtd::metrics
