#include "soak/report/svg_chart.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <sstream>

namespace nmtd::soak {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The stroke of the <path> whose tooltip starts with `title`.
std::string stroke_of_path(const std::string& svg, const std::string& title) {
  const auto title_at = svg.find("<title>" + title);
  if (title_at == std::string::npos) return "";
  const auto path_at = svg.rfind("<path ", title_at);
  const auto stroke_at = svg.find("stroke=\"", path_at);
  return svg.substr(stroke_at + 8, 7);
}

TEST(NiceTicks, UseStepsOfOneTwoOrFive) {
  const AxisTicks a = nice_ticks(0, 7.3, false);
  EXPECT_DOUBLE_EQ(a.step, 2);
  EXPECT_DOUBLE_EQ(a.low, 0);
  EXPECT_DOUBLE_EQ(a.high, 8);

  const AxisTicks b = nice_ticks(412.3, 436.9, false);
  EXPECT_DOUBLE_EQ(b.step, 5);
  EXPECT_DOUBLE_EQ(b.low, 410);
  EXPECT_DOUBLE_EQ(b.high, 440);

  const AxisTicks c = nice_ticks(0.012, 0.031, false);
  EXPECT_NEAR(c.step, 0.005, 1e-12);
  EXPECT_NEAR(c.low, 0.010, 1e-12);
  EXPECT_NEAR(c.high, 0.035, 1e-12);
}

TEST(NiceTicks, PadAConstantRangeAndKeepCountsWhole) {
  const AxisTicks fds = nice_ticks(37, 37, true);
  EXPECT_LT(fds.low, 37);
  EXPECT_GT(fds.high, 37);
  EXPECT_GE(fds.step, 1);
  const AxisTicks zero = nice_ticks(0, 0, false);
  EXPECT_LT(zero.low, 0);
  EXPECT_GT(zero.high, 0);
  const AxisTicks rss = nice_ticks(512, 512, false);
  EXPECT_LT(rss.low, 512);
  EXPECT_GT(rss.high, 512);
  EXPECT_LE(rss.high - rss.low, 200);
  const AxisTicks small = nice_ticks(36, 38, true);
  EXPECT_DOUBLE_EQ(small.step, 1);
}

TEST(SvgChart, SaysNoDataWhenThereIsNone) {
  LineChart chart;
  chart.title = "RSS";
  EXPECT_THAT(render_line_chart(chart), HasSubstr(">no data</text>"));
  chart.series.push_back({"front", "front", {}});
  chart.series.push_back({"front", "front", {{1, std::numeric_limits<double>::quiet_NaN()}}});
  const std::string svg = render_line_chart(chart);
  EXPECT_THAT(svg, HasSubstr(">no data</text>"));
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_THAT(svg, HasSubstr("</svg>"));
  EXPECT_THAT(svg, Not(HasSubstr("xmlns")));
  EXPECT_THAT(svg, Not(HasSubstr(">front</text>")));  // nothing drawn, nothing in the legend
}

TEST(SvgChart, DrawsALonePointAsADot) {
  LineChart chart;
  chart.series.push_back({"front", "front", {{2, 100}}});
  const std::string svg = render_line_chart(chart);
  EXPECT_THAT(svg, HasSubstr("<circle"));
  EXPECT_THAT(svg, Not(HasSubstr(">no data<")));
}

TEST(SvgChart, BreaksTheLineAtGaps) {
  const double gap = std::numeric_limits<double>::quiet_NaN();
  LineChart chart;
  chart.series.push_back({"p50", "p50", {{0, 1}, {1, 2}, {2, gap}, {3, 2}, {4, 3}}});
  const std::string svg = render_line_chart(chart);
  const auto d_at = svg.find("<path d=\"");
  ASSERT_NE(d_at, std::string::npos);
  const std::string d = svg.substr(d_at, svg.find('"', d_at + 9) - d_at);
  EXPECT_EQ(occurrences(d, "M"), 2u);
  EXPECT_EQ(occurrences(d, "L"), 2u);
}

TEST(SvgChart, KeepsOneColorAndOneLegendEntryPerWorkerSlot) {
  LineChart chart;
  chart.series.push_back({"front (pid 1)", "front", {{0, 80}, {60, 81}}});
  for (int g = 0; g < 64; ++g) {
    const int slot = g % 2;
    const double start = g;
    chart.series.push_back({"worker " + std::to_string(slot) + "." + std::to_string(g / 2),
                            "worker slot " + std::to_string(slot),
                            {{start, 300}, {start + 1, 310}}});
  }
  const std::string svg = render_line_chart(chart);
  EXPECT_EQ(occurrences(svg, "<path "), 65u);
  EXPECT_EQ(occurrences(svg, ">worker slot 0</text>"), 1u);
  EXPECT_EQ(occurrences(svg, ">worker slot 1</text>"), 1u);
  EXPECT_EQ(occurrences(svg, ">front</text>"), 1u);

  std::set<std::string> slot0_colors;
  std::set<std::string> slot1_colors;
  for (int generation = 0; generation < 32; ++generation) {
    slot0_colors.insert(stroke_of_path(svg, "worker 0." + std::to_string(generation) + "<"));
    slot1_colors.insert(stroke_of_path(svg, "worker 1." + std::to_string(generation) + "<"));
  }
  ASSERT_EQ(slot0_colors.size(), 1u);
  ASSERT_EQ(slot1_colors.size(), 1u);
  const std::string front_color = stroke_of_path(svg, "front (pid 1)");
  EXPECT_EQ(front_color.front(), '#');
  EXPECT_NE(*slot0_colors.begin(), *slot1_colors.begin());
  EXPECT_NE(*slot0_colors.begin(), front_color);
  EXPECT_NE(*slot1_colors.begin(), front_color);
}

TEST(SvgChart, DrawsRestartAndChaosMarkersWithTooltips) {
  LineChart chart;
  chart.series.push_back({"front", "front", {{0, 1}, {10, 2}}});
  chart.markers = {{2, "restart", "restart: crash"},
                   {3, "chaos", "kill -9 worker 0"},
                   {4, "restart", "restart: recycle"}};
  const std::string svg = render_line_chart(chart);
  EXPECT_EQ(occurrences(svg, "stroke=\"#d62728\""), 3u);  // two markers and a legend entry
  EXPECT_EQ(occurrences(svg, "stroke=\"#c8c8c8\""), 2u);  // one marker and a legend entry
  EXPECT_THAT(svg, HasSubstr("<title>restart: crash (2 min)</title>"));
  EXPECT_THAT(svg, HasSubstr("<title>kill -9 worker 0 (3 min)</title>"));
  EXPECT_EQ(occurrences(svg, ">restart</text>"), 1u);
  EXPECT_EQ(occurrences(svg, ">chaos action</text>"), 1u);
}

TEST(SvgChart, EscapesTextAndLabelsTicks) {
  LineChart chart;
  chart.title = "a <b> & c";
  chart.y_label = "MiB";
  chart.series.push_back({"<script>", "<g>", {{0, 400}, {30, 420}}});
  chart.markers = {{5, "chaos", "\"quoted\" <x>"}};
  const std::string svg = render_line_chart(chart);
  EXPECT_THAT(svg, HasSubstr("a &lt;b&gt; &amp; c"));
  EXPECT_THAT(svg, HasSubstr("<title>&lt;script&gt;</title>"));
  EXPECT_THAT(svg, HasSubstr("&quot;quoted&quot; &lt;x&gt;"));
  EXPECT_THAT(svg, Not(HasSubstr("<script")));
  EXPECT_THAT(svg, HasSubstr(">400</text>"));
  EXPECT_THAT(svg, HasSubstr(">420</text>"));
  EXPECT_THAT(svg, HasSubstr(">30</text>"));  // x axis, minutes
  EXPECT_THAT(svg, HasSubstr(">MiB</text>"));
  EXPECT_THAT(svg, HasSubstr(">minutes since start</text>"));
}

TEST(SvgChart, ThinsLongSeriesButKeepsSpikes) {
  LineChart chart;
  ChartSeries day{"front", "front", {}};
  for (int i = 0; i < 43200; ++i) day.points.push_back({i * 2.0 / 60, i == 20000 ? 900.0 : 300.0});
  chart.series.push_back(day);
  const std::string svg = render_line_chart(chart);
  EXPECT_LT(svg.size(), 60000u);
  EXPECT_THAT(svg, HasSubstr(">1000</text>"));  // the axis reaches over the spike
  const auto d_at = svg.find("<path d=\"");
  const std::string d = svg.substr(d_at, svg.find('"', d_at + 9) - d_at);
  EXPECT_LT(occurrences(d, "L"), 2000u);
  // The spike's pixel column keeps its peak: one point is drawn far above the flat line.
  std::istringstream commands(d.substr(9));
  std::string command;
  double top_y = 1e9;
  while (commands >> command) {
    double y = 0;
    commands >> y;
    top_y = std::min(top_y, y);
  }
  EXPECT_LT(top_y, 100.0);
}

}  // namespace
}  // namespace nmtd::soak
