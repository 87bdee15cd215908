#include "monitor/growth_estimator.h"

#include <gtest/gtest.h>

namespace nmtd::monitor {
namespace {

TEST(GrowthEstimator, ExactSlopeOnALine) {
  GrowthEstimator g(10);
  for (int i = 0; i < 5; ++i) g.add(i, 2.0 * i + 5.0);  // 2 per second
  ASSERT_TRUE(g.slope_per_hour().has_value());
  EXPECT_NEAR(*g.slope_per_hour(), 7200.0, 1e-9);
}

TEST(GrowthEstimator, NegativeSlope) {
  GrowthEstimator g(10);
  g.add(0, 10);
  g.add(3600, 7);
  EXPECT_NEAR(*g.slope_per_hour(), -3.0, 1e-12);
}

TEST(GrowthEstimator, WindowEvictionChangesTheSlope) {
  GrowthEstimator g(2);
  g.add(0, 0);
  g.add(1, 1);
  EXPECT_NEAR(*g.slope_per_hour(), 3600.0, 1e-9);
  g.add(2, 5);  // evicts (0, 0): only (1, 1) and (2, 5) remain
  EXPECT_EQ(g.size(), 2u);
  EXPECT_NEAR(*g.slope_per_hour(), 4.0 * 3600.0, 1e-9);
}

TEST(GrowthEstimator, FlatIsZero) {
  GrowthEstimator g(60);
  for (int i = 0; i < 30; ++i) g.add(i * 60.0, 42.0);
  ASSERT_TRUE(g.slope_per_hour().has_value());
  EXPECT_DOUBLE_EQ(*g.slope_per_hour(), 0.0);
}

TEST(GrowthEstimator, FewerThanTwoPointsIsNullopt) {
  GrowthEstimator g(5);
  EXPECT_FALSE(g.slope_per_hour().has_value());
  g.add(1, 1);
  EXPECT_EQ(g.size(), 1u);
  EXPECT_FALSE(g.slope_per_hour().has_value());
}

TEST(GrowthEstimator, ConstantTimeIsNullopt) {
  GrowthEstimator g(5);
  g.add(7, 1);
  g.add(7, 2);
  g.add(7, 3);
  EXPECT_FALSE(g.slope_per_hour().has_value());
}

TEST(GrowthEstimator, UnixTimestampsStayPrecise) {
  GrowthEstimator g(60);
  const double base = 1.7e9;
  // 0.5 per minute = 30 per hour, a slow leak at one sample a minute.
  for (int i = 0; i < 60; ++i) g.add(base + i * 60.0, 100.0 + 0.5 * i);
  ASSERT_TRUE(g.slope_per_hour().has_value());
  EXPECT_NEAR(*g.slope_per_hour(), 30.0, 1e-6);
}

}  // namespace
}  // namespace nmtd::monitor
