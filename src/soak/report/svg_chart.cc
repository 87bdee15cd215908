#include "soak/report/svg_chart.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>

#include "soak/report/report_text.h"

namespace nmtd::soak {
namespace {

// Geometry, in SVG user units (the page scales the whole chart to its width).
constexpr double kWidth = 900;
constexpr double kLeft = 72;
constexpr double kRight = 16;
constexpr double kTop = 28;
constexpr double kPlotHeight = 250;
constexpr double kBottom = 44;  // x tick labels and the x axis label
constexpr double kLegendEntryWidth = 150;
constexpr double kLegendRowHeight = 18;
constexpr double kPlotWidth = kWidth - kLeft - kRight;

// Tableau-like colors without the red and grey the markers use.
constexpr std::array<const char*, 12> kPalette{"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
                                               "#8c564b", "#e377c2", "#bcbd22", "#17becf",
                                               "#393b79", "#637939", "#8c6d31", "#7b4173"};

struct MarkerStyle {
  const char* color;
  const char* dash;  // "" for solid
  double width;
  const char* legend;
};

MarkerStyle marker_style(const std::string& kind) {
  if (kind == "restart") return {"#d62728", "5 3", 1.3, "restart"};
  if (kind == "chaos") return {"#c8c8c8", "", 1.0, "chaos action"};
  return {"#1f77b4", "2 3", 1.0, "phase"};
}

std::string num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", v);
  return text;
}

std::string tick_label(double value, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  char text[48];
  std::snprintf(text, sizeof text, "%.*f", std::clamp(decimals, 0, 9), value);
  std::string out = text;
  if (out.find_first_not_of("-0.") == std::string::npos) out = "0";  // "-0.0"
  return out;
}

struct Frame {
  AxisTicks x;
  AxisTicks y;
  double px(double v) const { return kLeft + (v - x.low) / (x.high - x.low) * kPlotWidth; }
  double py(double v) const {
    return kTop + kPlotHeight - (v - y.low) / (y.high - y.low) * kPlotHeight;
  }
};

// Runs of finite points, each thinned to at most two points (lowest and highest, in their
// order) per pixel column, so that a day-long run stays a small file without hiding a spike
// or a floor.
std::vector<std::vector<ChartPoint>> segments_of(const ChartSeries& s, const Frame& f) {
  std::vector<std::vector<ChartPoint>> segments(1);
  for (const ChartPoint& p : s.points) {
    if (std::isfinite(p.x) && std::isfinite(p.y)) {
      segments.back().push_back(p);
    } else if (!segments.back().empty()) {
      segments.emplace_back();
    }
  }
  if (segments.back().empty()) segments.pop_back();
  for (auto& segment : segments) {
    if (segment.size() <= 2 * static_cast<std::size_t>(kPlotWidth)) continue;
    std::vector<ChartPoint> thinned;
    std::size_t begin = 0;
    while (begin < segment.size()) {
      const long column = std::lround(f.px(segment[begin].x));
      std::size_t end = begin;
      std::size_t lowest = begin;
      std::size_t highest = begin;
      while (end < segment.size() && std::lround(f.px(segment[end].x)) == column) {
        if (segment[end].y < segment[lowest].y) lowest = end;
        if (segment[end].y > segment[highest].y) highest = end;
        ++end;
      }
      thinned.push_back(segment[std::min(lowest, highest)]);
      if (lowest != highest) thinned.push_back(segment[std::max(lowest, highest)]);
      begin = end;
    }
    segment = std::move(thinned);
  }
  return segments;
}

void draw_axes(std::string& svg, const LineChart& chart, const Frame& f) {
  const double bottom = kTop + kPlotHeight;
  svg += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(kPlotWidth) +
         "\" height=\"" + num(kPlotHeight) + "\" fill=\"#fff\" stroke=\"#999\"/>\n";
  const auto y_count = std::lround((f.y.high - f.y.low) / f.y.step);
  for (long i = 0; i <= y_count; ++i) {
    const double v = f.y.low + static_cast<double>(i) * f.y.step;
    const std::string y = num(f.py(v));
    if (i > 0 && i < y_count)
      svg += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + kPlotWidth) + "\" y1=\"" + y +
             "\" y2=\"" + y + "\" stroke=\"#eee\"/>\n";
    svg += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + y + "\" dy=\"0.35em\" text-anchor=\"end\">" +
           tick_label(v, f.y.step) + "</text>\n";
  }
  const auto x_count = std::lround((f.x.high - f.x.low) / f.x.step);
  for (long i = 0; i <= x_count; ++i) {
    const double v = f.x.low + static_cast<double>(i) * f.x.step;
    svg += "<text x=\"" + num(f.px(v)) + "\" y=\"" + num(bottom + 15) +
           "\" text-anchor=\"middle\">" + tick_label(v, f.x.step) + "</text>\n";
  }
  svg += "<text x=\"" + num(kLeft + kPlotWidth / 2) + "\" y=\"" + num(bottom + 34) +
         "\" text-anchor=\"middle\">" + html_escape(chart.x_label) + "</text>\n";
  svg += "<text transform=\"translate(16 " + num(kTop + kPlotHeight / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" + html_escape(chart.y_label) + "</text>\n";
  svg += "<text x=\"" + num(kLeft) + "\" y=\"18\" font-weight=\"bold\" font-size=\"13\">" +
         html_escape(chart.title) + "</text>\n";
}

void draw_markers(std::string& svg, const LineChart& chart, const Frame& f) {
  for (const ChartMarker& m : chart.markers) {
    if (!std::isfinite(m.x) || m.x < f.x.low || m.x > f.x.high) continue;
    const MarkerStyle style = marker_style(m.kind);
    const std::string x = num(f.px(m.x));
    svg += "<line x1=\"" + x + "\" x2=\"" + x + "\" y1=\"" + num(kTop) + "\" y2=\"" +
           num(kTop + kPlotHeight) + "\" stroke=\"" + style.color + "\" stroke-width=\"" +
           num(style.width) + "\"";
    if (*style.dash) svg += std::string(" stroke-dasharray=\"") + style.dash + "\"";
    svg += "><title>" + html_escape(m.label) + " (" + format_number(m.x) + " min)</title></line>\n";
  }
}

void draw_series(std::string& svg, const ChartSeries& s, const char* color, const Frame& f) {
  std::string path;
  std::string dots;
  for (const auto& segment : segments_of(s, f)) {
    if (segment.size() == 1) {
      dots += "<circle cx=\"" + num(f.px(segment[0].x)) + "\" cy=\"" + num(f.py(segment[0].y)) +
              "\" r=\"2.5\" fill=\"" + color + "\"><title>" + html_escape(s.name) +
              "</title></circle>\n";
      continue;
    }
    for (std::size_t i = 0; i < segment.size(); ++i)
      path += (i == 0 ? "M" : "L") + num(f.px(segment[i].x)) + " " + num(f.py(segment[i].y)) + " ";
  }
  if (!path.empty()) {
    path.pop_back();
    svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + color +
           "\" stroke-width=\"1.5\" stroke-linejoin=\"round\"><title>" + html_escape(s.name) +
           "</title></path>\n";
  }
  svg += dots;
}

}  // namespace

AxisTicks nice_ticks(double low, double high, bool integer_values, int target_count) {
  if (!std::isfinite(low) || !std::isfinite(high)) return {};
  if (high < low) std::swap(low, high);
  if (high == low) {
    double pad = low == 0 ? 1.0 : std::fabs(low) * 0.1;
    if (integer_values) pad = std::max(pad, 1.0);
    low -= pad;
    high += pad;
  }
  const double raw = (high - low) / std::max(target_count, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double r = raw / magnitude;
  double step = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * magnitude;
  if (integer_values) step = std::max(step, 1.0);
  AxisTicks ticks;
  ticks.step = step;
  ticks.low = std::floor(low / step + 1e-9) * step;
  ticks.high = std::ceil(high / step - 1e-9) * step;
  if (ticks.high <= ticks.low) ticks.high = ticks.low + step;
  return ticks;
}

std::string render_line_chart(const LineChart& chart) {
  // Colors and legend entries by group, in order of first appearance.
  std::vector<std::string> groups;
  std::map<std::string, const char*> color_of;
  std::map<std::string, bool> group_has_data;  // a legend lists only what is drawn
  double x_max = std::max(chart.x_end, 0.0);
  double y_min = std::numeric_limits<double>::infinity();
  double y_max = -std::numeric_limits<double>::infinity();
  for (const ChartSeries& s : chart.series) {
    if (!color_of.contains(s.group)) {
      color_of[s.group] = kPalette[groups.size() % kPalette.size()];
      groups.push_back(s.group);
    }
    for (const ChartPoint& p : s.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      group_has_data[s.group] = true;
      x_max = std::max(x_max, p.x);
      y_min = std::min(y_min, p.y);
      y_max = std::max(y_max, p.y);
    }
  }
  std::vector<std::string> marker_kinds;
  for (const ChartMarker& m : chart.markers) {
    if (std::isfinite(m.x)) x_max = std::max(x_max, m.x);
    const std::string legend = marker_style(m.kind).legend;
    if (std::find(marker_kinds.begin(), marker_kinds.end(), legend) == marker_kinds.end())
      marker_kinds.push_back(legend);
  }
  const bool has_data = y_min <= y_max;

  Frame f;
  f.x = nice_ticks(0, x_max > 0 ? x_max : 1, false, 10);
  f.y = has_data ? nice_ticks(y_min, y_max, chart.integer_values) : AxisTicks{};

  std::erase_if(groups, [&](const std::string& g) { return !group_has_data[g]; });
  const std::size_t legend_entries = groups.size() + marker_kinds.size();
  const auto per_row = static_cast<std::size_t>(kPlotWidth / kLegendEntryWidth);
  const std::size_t rows = (legend_entries + per_row - 1) / per_row;
  const double legend_top = kTop + kPlotHeight + kBottom + 6;
  const double height = legend_top + static_cast<double>(rows) * kLegendRowHeight + 4;

  std::string svg = "<svg class=\"chart\" viewBox=\"0 0 " + num(kWidth) + " " + num(height) +
                    "\" width=\"" + num(kWidth) + "\" height=\"" + num(height) +
                    "\" role=\"img\" aria-label=\"" + html_escape(chart.title) +
                    "\" font-family=\"sans-serif\" font-size=\"11\" fill=\"#333\">\n";
  draw_axes(svg, chart, f);
  draw_markers(svg, chart, f);
  if (has_data) {
    for (const ChartSeries& s : chart.series) draw_series(svg, s, color_of[s.group], f);
  } else {
    svg += "<text x=\"" + num(kLeft + kPlotWidth / 2) + "\" y=\"" + num(kTop + kPlotHeight / 2) +
           "\" text-anchor=\"middle\" font-size=\"16\" fill=\"#999\">no data</text>\n";
  }

  std::size_t slot = 0;
  const auto legend_entry = [&](const std::string& label, const std::string& line_attributes) {
    const double x = kLeft + static_cast<double>(slot % per_row) * kLegendEntryWidth;
    const double y = legend_top + static_cast<double>(slot / per_row) * kLegendRowHeight + 9;
    svg += "<line x1=\"" + num(x) + "\" x2=\"" + num(x + 18) + "\" y1=\"" + num(y) + "\" y2=\"" +
           num(y) + "\" " + line_attributes + "/>\n";
    svg += "<text x=\"" + num(x + 24) + "\" y=\"" + num(y) + "\" dy=\"0.35em\">" +
           html_escape(label) + "</text>\n";
    ++slot;
  };
  for (const std::string& g : groups)
    legend_entry(g, std::string("stroke=\"") + color_of[g] + "\" stroke-width=\"2.5\"");
  for (const ChartMarker& m : chart.markers) {
    const MarkerStyle style = marker_style(m.kind);
    const auto it = std::find(marker_kinds.begin(), marker_kinds.end(), style.legend);
    if (it == marker_kinds.end()) continue;
    marker_kinds.erase(it);  // one legend entry per kind
    std::string attributes = std::string("stroke=\"") + style.color + "\" stroke-width=\"2\"";
    if (*style.dash) attributes += std::string(" stroke-dasharray=\"") + style.dash + "\"";
    legend_entry(style.legend, attributes);
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace nmtd::soak
