#include "report/svg.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/html.hpp"
#include "util/error.hpp"

namespace achrome::report {

namespace {

constexpr double kMarginLeft = 52, kMarginRight = 14, kMarginTop = 30, kMarginBottom = 42;

double fraction(double value, const Axis& axis) {
  if (!(axis.max > axis.min)) return 0.5;
  const double f = (value - axis.min) / (axis.max - axis.min);
  return std::clamp(f, 0.0, 1.0);
}

std::string svg_open(double width, double height, const std::string& title) {
  return fmt::format(
      "<svg width=\"{0:.0f}\" height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" "
      "role=\"img\" aria-label=\"{2}\">\n<text class=\"title\" x=\"{3:.1f}\" y=\"16\">{2}</text>\n",
      width, height, escape_html(title), kMarginLeft);
}

// Grid, tick labels and axis labels.
std::string axes(const PlotArea& area, const Axis& x, const Axis* x_ticks, const Axis& y) {
  std::string out;
  const double bottom = area.top + area.height;
  for (double tick : nice_ticks(y.min, y.max)) {
    const double py = area.y(tick, y);
    out += fmt::format("<line class=\"grid\" x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\"/>", area.left, py,
                       area.left + area.width, py);
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>\n", area.left - 5, py + 3.5,
                       format_fixed(tick, y.digits));
  }
  if (x_ticks != nullptr)
    for (double tick : nice_ticks(x_ticks->min, x_ticks->max)) {
      const double px = area.x(tick, *x_ticks);
      out += fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>", px,
                         bottom, bottom + 4);
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", px, bottom + 15,
                         format_fixed(tick, x_ticks->digits));
    }
  out += fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\"/>", area.left,
                     bottom, area.left + area.width);
  out += fmt::format("<line class=\"axis\" x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\"/>\n", area.left,
                     area.top, bottom);
  if (!x.label.empty())
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                       area.left + area.width / 2, bottom + 32, escape_html(x.label));
  if (!y.label.empty())
    out += fmt::format("<text transform=\"translate(13 {:.1f}) rotate(-90)\" text-anchor=\"middle\">{}</text>\n",
                       area.top + area.height / 2, escape_html(y.label));
  return out;
}

// Legend in one row above the plot, right-aligned, so it never covers data.
std::string legend(const PlotArea& area, const std::vector<std::pair<std::string, std::string>>& entries,
                   bool boxes) {
  std::string out;
  double right = area.left + area.width;
  const double y = 16;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    const auto& [name, color] = *it;
    if (name.empty()) continue;
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>", right, y, escape_html(name));
    right -= 6.5 * static_cast<double>(name.size()) + 4;  // about the width of 11px text
    if (boxes)
      out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"10\" height=\"10\" fill=\"{}\"/>", right - 10, y - 9,
                         escape_html(color));
    else
      out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"2.5\"/>",
                         right - 14, y - 4, right, y - 4, escape_html(color));
    out += "\n";
    right -= 26;
  }
  return out;
}

PlotArea area_of(double width, double height) {
  return {kMarginLeft, kMarginTop, width - kMarginLeft - kMarginRight, height - kMarginTop - kMarginBottom};
}

}  // namespace

double PlotArea::x(double value, const Axis& axis) const { return left + fraction(value, axis) * width; }
double PlotArea::y(double value, const Axis& axis) const { return top + height - fraction(value, axis) * height; }

PlotArea LineChart::plot_area() const { return area_of(width, height); }
PlotArea BarChart::plot_area() const { return area_of(width, rotate_labels ? height - 28 : height); }

std::vector<double> nice_ticks(double min, double max, int target) {
  if (!(max > min) || !std::isfinite(min) || !std::isfinite(max) || target < 1) return {min};
  const double raw = (max - min) / target;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double factor : {1.0, 2.0, 5.0, 10.0})
    if (factor * magnitude >= raw) {
      step = factor * magnitude;
      break;
    }
  std::vector<double> ticks;
  for (double tick = std::ceil(min / step - 1e-9) * step; tick <= max + step * 1e-9; tick += step)
    ticks.push_back(std::abs(tick) < step * 1e-9 ? 0.0 : tick);
  return ticks;
}

std::vector<Point> thin_polyline(const std::vector<Point>& points, double resolution) {
  if (points.size() <= 2) return points;
  std::vector<Point> kept{points.front()};
  for (std::size_t i = 1; i + 1 < points.size(); ++i) {
    const auto& last = kept.back();
    if (std::abs(points[i].x - last.x) >= resolution || std::abs(points[i].y - last.y) >= resolution)
      kept.push_back(points[i]);
  }
  kept.push_back(points.back());
  return kept;
}

std::string render_line_chart(const LineChart& chart) {
  const auto area = chart.plot_area();
  std::string out = svg_open(chart.width, chart.height, chart.title);
  out += axes(area, chart.x, &chart.x, chart.y);
  if (chart.diagonal)
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>\n",
        area.x(chart.x.min, chart.x), area.y(chart.y.min, chart.y), area.x(chart.x.max, chart.x),
        area.y(chart.y.max, chart.y));
  for (const auto& marker : chart.markers) {
    const double px = area.x(marker.x, chart.x);
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#999\" stroke-dasharray=\"3 3\"/>"
        "<text x=\"{3:.1f}\" y=\"{4:.1f}\" fill=\"#777\">{5}</text>\n",
        px, area.top, area.top + area.height, px + 3, area.top + 9, escape_html(marker.label));
  }
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& series : chart.series) {
    entries.emplace_back(series.name, series.color);
    std::string points;
    for (const auto& p : series.points) {
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
      if (!points.empty()) points += ' ';
      points += fmt::format("{:.1f},{:.1f}", area.x(p.x, chart.x), area.y(p.y, chart.y));
    }
    out += fmt::format("<polyline fill=\"none\" stroke=\"{}\" stroke-width=\"2\"{} points=\"{}\"/>\n",
                       escape_html(series.color), series.dashed ? " stroke-dasharray=\"5 3\"" : "", points);
    if (series.dots)
      for (const auto& p : series.points)
        if (std::isfinite(p.x) && std::isfinite(p.y))
          out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/>", area.x(p.x, chart.x),
                             area.y(p.y, chart.y), escape_html(series.color));
  }
  out += legend(area, entries, false);
  out += "</svg>\n";
  return out;
}

std::string render_bar_chart(const BarChart& chart) {
  for (const auto& series : chart.series)
    if (series.values.size() != chart.categories.size())
      fail("bar chart '{}': series '{}' has {} values for {} categories", chart.title, series.name,
           series.values.size(), chart.categories.size());
  const auto area = chart.plot_area();
  std::string out = svg_open(chart.width, chart.height, chart.title);
  out += axes(area, Axis{}, nullptr, chart.y);
  const double bottom = area.top + area.height;
  const double slot = chart.categories.empty() ? 0 : area.width / static_cast<double>(chart.categories.size());
  const double groups = static_cast<double>(std::max<std::size_t>(chart.series.size(), 1));
  const double bar = slot * 0.8 / groups;
  for (std::size_t c = 0; c < chart.categories.size(); ++c) {
    const double center = area.left + slot * (static_cast<double>(c) + 0.5);
    for (std::size_t s = 0; s < chart.series.size(); ++s) {
      const double value = chart.series[s].values[c];
      if (!std::isfinite(value)) continue;
      const double x = center - slot * 0.4 + bar * static_cast<double>(s);
      const double py = area.y(value, chart.y);
      const auto color = escape_html(chart.series[s].color);
      const auto tip = escape_html(fmt::format("{} {}: {}", chart.categories[c], chart.series[s].name,
                                               format_fixed(value, chart.y.digits + 2)));
      if (chart.dots)
        out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"><title>{}</title></circle>",
                           x + bar / 2, py, color, tip);
      else
        out += fmt::format(
            "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"><title>{}</title></rect>", x,
            py, std::max(bar - 1, 1.0), bottom - py, color, tip);
    }
    const auto label = escape_html(chart.categories[c]);
    if (chart.rotate_labels)
      out += fmt::format("<text transform=\"translate({:.1f} {:.1f}) rotate(-90)\" text-anchor=\"end\">{}</text>\n",
                         center + 3.5, bottom + 6, label);
    else
      out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", center, bottom + 15,
                         label);
  }
  for (double line : chart.reference_lines) {
    const double py = area.y(line, chart.y);
    out += fmt::format(
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"#555\" stroke-dasharray=\"5 3\"/>\n",
        area.left, py, area.left + area.width, py);
  }
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& series : chart.series) entries.emplace_back(series.name, series.color);
  out += legend(area, entries, true);
  out += "</svg>\n";
  return out;
}

}  // namespace achrome::report
