#pragma once
// A small line-chart builder for the HTML report: inline SVG, no script, no external
// resource. The SVG carries no xmlns attribute (HTML5 does not need one inside a page, and
// the report must name no URL at all), so it is meant to be inlined, not saved alone.
#include <string>
#include <vector>

namespace nmtd::soak {

struct ChartPoint {
  double x = 0;  // minutes since the soak started
  double y = 0;  // a non-finite y breaks the line (a gap)
};

struct ChartSeries {
  std::string name;  // shown as the line's tooltip: "worker 0.3 (pid 4242)"
  // Series with the same group share one color and one legend entry: all processes of one
  // worker slot are one group, so a slot keeps its color across restarts and the legend stays
  // short however many worker processes came and went.
  std::string group;
  std::vector<ChartPoint> points;
};

struct ChartMarker {
  double x = 0;       // minutes since the soak started
  std::string kind;   // "restart" (red, dashed), "chaos" (faint grey), other: "phase" (blue)
  std::string label;  // the tooltip
};

struct LineChart {
  std::string title;
  std::string y_label;
  std::string x_label = "minutes since start";
  bool integer_values = false;  // counts: y ticks are whole numbers
  double x_end = 0;             // the x axis reaches at least this (the run's length)
  std::vector<ChartSeries> series;
  std::vector<ChartMarker> markers;
};

// Ticks 1, 2 or 5 times a power of ten covering [low, high]; a range of zero width is padded
// so that a constant series shows as a line in the middle, not on the frame.
struct AxisTicks {
  double low = 0;
  double high = 1;
  double step = 1;
};
AxisTicks nice_ticks(double low, double high, bool integer_values, int target_count = 5);

// The chart as an <svg> element. Groups get colors in order of first appearance, so the
// caller orders the series (front first, then by worker slot). With no point at all it draws
// the frame and "no data".
std::string render_line_chart(const LineChart& chart);

}  // namespace nmtd::soak
