// Counter, Gauge and Histogram on their own: arithmetic, bucket placement, refused inputs, and
// exact totals when many threads update at once.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "common/error.h"
#include "front/metrics/counter_gauge.h"
#include "front/metrics/histogram.h"

namespace nmtd::metrics {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(Counter, OnlyGoesUp) {
  Counter c;
  c.inc();
  c.inc(2.5);
  c.inc(0);
  EXPECT_EQ(c.value(), 3.5);
  EXPECT_THROW(c.inc(-1), InvalidArgument);
  EXPECT_THROW(c.inc(std::nan("")), InvalidArgument);
  EXPECT_EQ(c.value(), 3.5);  // a refused increment changes nothing
}

TEST(Gauge, SetAddIncDec) {
  Gauge g;
  g.set(10);
  g.add(-2.5);
  g.inc();
  g.dec();
  g.dec();
  EXPECT_EQ(g.value(), 6.5);
  g.set(kInf);
  EXPECT_EQ(g.value(), kInf);
}

TEST(Histogram, BucketsAreInclusiveUpperBounds) {
  Histogram h({0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 1.0, 5.0, 10.0, 11.0, -3.0}) h.observe(v);
  EXPECT_EQ(h.cumulative_counts(), (std::vector<std::uint64_t>{3, 5, 7, 8}));
  EXPECT_EQ(h.count(), 8u);
  EXPECT_DOUBLE_EQ(h.sum(), 0.05 + 0.1 + 0.5 + 1 + 5 + 10 + 11 - 3);
  EXPECT_EQ(h.upper_bounds(), (std::vector<double>{0.1, 1, 10}));
  h.observe(kInf);  // lands in +Inf only
  EXPECT_EQ(h.cumulative_counts().back(), 9u);
  EXPECT_EQ(h.cumulative_counts()[2], 7u);
}

TEST(Histogram, BoundsAreChecked) {
  EXPECT_THROW(Histogram({1, 1}), InvalidArgument);
  EXPECT_THROW(Histogram({2, 1}), InvalidArgument);
  EXPECT_THROW(Histogram({1, std::nan("")}), InvalidArgument);
  EXPECT_THROW(Histogram({-kInf, 1}), InvalidArgument);
  EXPECT_THROW(Histogram({kInf, 1}), InvalidArgument);
  EXPECT_EQ(Histogram({1, 2, kInf}).upper_bounds(), (std::vector<double>{1, 2}));
  Histogram only_inf({});
  only_inf.observe(3);
  EXPECT_EQ(only_inf.cumulative_counts(), (std::vector<std::uint64_t>{1}));
}

TEST(Histogram, RefusesNaN) {
  Histogram h({1});
  EXPECT_THROW(h.observe(std::nan("")), InvalidArgument);
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.sum(), 0);
}

TEST(Concurrency, ThreadsUpdatingGiveExactTotals) {
  constexpr int kThreads = 8;
  constexpr int kEach = 50000;
  Counter c;
  Gauge g;
  Histogram h({0.5, 1.5});
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) {
          c.inc();
          g.add(t % 2 == 0 ? 1 : -1);
          h.observe(i % 3);  // 0, 1, 2: one per bucket
        }
      });
    }
  }
  EXPECT_EQ(c.value(), double(kThreads) * kEach);
  EXPECT_EQ(g.value(), 0);
  EXPECT_EQ(h.count(), std::uint64_t(kThreads) * kEach);
  std::vector<std::uint64_t> expected(3);
  double expected_sum = 0;
  for (int i = 0; i < kEach; ++i) {
    expected[i % 3] += kThreads;
    expected_sum += kThreads * (i % 3);
  }
  EXPECT_EQ(h.cumulative_counts(),
            (std::vector<std::uint64_t>{expected[0], expected[0] + expected[1],
                                        expected[0] + expected[1] + expected[2]}));
  EXPECT_EQ(h.sum(), expected_sum);  // integers far below 2^53: exact in any order
}

}  // namespace
}  // namespace nmtd::metrics
