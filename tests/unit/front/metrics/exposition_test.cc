#include "front/metrics/exposition.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>

namespace nmtd::metrics {
namespace {

TEST(Exposition, MetricNames) {
  EXPECT_TRUE(valid_metric_name("nmtd_requests_total"));
  EXPECT_TRUE(valid_metric_name("_x"));
  EXPECT_TRUE(valid_metric_name("job:rate5m"));
  EXPECT_TRUE(valid_metric_name("a1"));
  EXPECT_FALSE(valid_metric_name(""));
  EXPECT_FALSE(valid_metric_name("1a"));
  EXPECT_FALSE(valid_metric_name("a-b"));
  EXPECT_FALSE(valid_metric_name("a b"));
  EXPECT_FALSE(valid_metric_name("é"));
}

TEST(Exposition, LabelNames) {
  EXPECT_TRUE(valid_label_name("reason"));
  EXPECT_TRUE(valid_label_name("_x9"));
  EXPECT_FALSE(valid_label_name(""));
  EXPECT_FALSE(valid_label_name("__name__"));
  EXPECT_FALSE(valid_label_name("a:b"));  // colons are for metric names only
  EXPECT_FALSE(valid_label_name("9a"));
}

TEST(Exposition, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)"
                               "\nd"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(escape_help(R"(a\b"c)"
                        "\nd"),
            R"(a\\b"c\nd)");
  EXPECT_EQ(escape_label_value("plain é"), "plain é");
}

TEST(Exposition, FormatsSpecialValues) {
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(3), "3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(-1.5), "-1.5");
  EXPECT_EQ(format_value(1e21), "1e+21");
}

TEST(Exposition, NumbersReadBackExactly) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::uint64_t> bits;
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t b = bits(rng);
    const double v = std::bit_cast<double>(b);
    if (!std::isfinite(v)) continue;
    const std::string text = format_value(v);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), v) << text;
  }
  const double tiny = std::numeric_limits<double>::denorm_min();
  EXPECT_EQ(std::strtod(format_value(tiny).c_str(), nullptr), tiny);
}

}  // namespace
}  // namespace nmtd::metrics
