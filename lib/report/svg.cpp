#include "report/svg.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <zlib.h>

#include <fmt/format.h>

#include <cstdint>
#include <limits>

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
std::string axes(const PlotArea& area, const Axis& x, const Axis* x_ticks, const Axis& y, bool y_ticks = true) {
  std::string out;
  const double bottom = area.top + area.height;
  for (double tick : y_ticks ? nice_ticks(y.min, y.max) : std::vector<double>{}) {
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
PlotArea HeatMap::plot_area() const {
  auto area = area_of(width, height);
  area.height -= 30;  // room for the colour bar under the kb axis
  return area;
}
PlotArea BoxPlot::plot_area() const { return area_of(width, height); }
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

namespace achrome::report {

namespace {

void put_u32(std::string& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((value >> shift) & 0xff);
}

void png_chunk(std::string& out, const char* type, const std::string& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  const std::string body = std::string(type, 4) + data;
  out += body;
  put_u32(out, static_cast<std::uint32_t>(
                   crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

std::string base64(const std::string& bytes) {
  static constexpr char kDigits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::uint32_t a = static_cast<unsigned char>(bytes[i]);
    const std::uint32_t b = i + 1 < bytes.size() ? static_cast<unsigned char>(bytes[i + 1]) : 0;
    const std::uint32_t c = i + 2 < bytes.size() ? static_cast<unsigned char>(bytes[i + 2]) : 0;
    const std::uint32_t triple = (a << 16) | (b << 8) | c;
    out += kDigits[(triple >> 18) & 63];
    out += kDigits[(triple >> 12) & 63];
    out += i + 1 < bytes.size() ? kDigits[(triple >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kDigits[triple & 63] : '=';
  }
  return out;
}

// White through orange to dark red: sequential, and readable printed in grey.
std::array<unsigned char, 3> heat_colour(double fraction) {
  static constexpr std::array<std::array<double, 3>, 5> kStops{{
      {255, 255, 255}, {253, 212, 158}, {252, 141, 89}, {215, 48, 31}, {127, 0, 0}}};
  if (!std::isfinite(fraction)) return {200, 200, 200};
  const double f = std::clamp(fraction, 0.0, 1.0) * (kStops.size() - 1);
  const std::size_t i = std::min<std::size_t>(static_cast<std::size_t>(f), kStops.size() - 2);
  const double t = f - static_cast<double>(i);
  std::array<unsigned char, 3> rgb{};
  for (int c = 0; c < 3; ++c)
    rgb[c] = static_cast<unsigned char>(std::lround(kStops[i][c] + t * (kStops[i + 1][c] - kStops[i][c])));
  return rgb;
}

std::string hex_colour(const std::array<unsigned char, 3>& rgb) {
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

}  // namespace

double quantile_sorted(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

std::string png_data_uri(std::size_t width, std::size_t height, const std::vector<unsigned char>& rgb) {
  if (rgb.size() != width * height * 3) fail("PNG of {} x {} pixels needs {} bytes, given {}", width, height,
                                             width * height * 3, rgb.size());
  // Each scanline starts with its filter type (0: none).
  std::string raw;
  raw.reserve(height * (width * 3 + 1));
  for (std::size_t y = 0; y < height; ++y) {
    raw += '\0';
    raw.append(reinterpret_cast<const char*>(rgb.data()) + y * width * 3, width * 3);
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size, reinterpret_cast<const Bytef*>(raw.data()),
                static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION) != Z_OK)
    fail("PNG of {} x {} pixels: zlib could not compress it", width, height);
  packed.resize(packed_size);
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string header;
  put_u32(header, static_cast<std::uint32_t>(width));
  put_u32(header, static_cast<std::uint32_t>(height));
  header += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, adaptive filters, no interlace
  png_chunk(png, "IHDR", header);
  png_chunk(png, "IDAT", packed);
  png_chunk(png, "IEND", "");
  return "data:image/png;base64," + base64(png);
}

std::string render_heat_map(const HeatMap& map) {
  if (map.values.size() != map.rows * map.columns)
    fail("heat map '{}': {} values for {} x {} cells", map.title, map.values.size(), map.rows, map.columns);
  const auto area = map.plot_area();
  std::string out = svg_open(map.width, map.height, map.title);
  if (map.rows > 0 && map.columns > 0) {
    std::vector<unsigned char> rgb(map.rows * map.columns * 3);
    for (std::size_t i = 0; i < map.values.size(); ++i) {
      const auto colour = heat_colour(map.max > map.min ? (map.values[i] - map.min) / (map.max - map.min) : 0);
      std::copy(colour.begin(), colour.end(), rgb.begin() + static_cast<std::ptrdiff_t>(i * 3));
    }
    out += fmt::format(
        "<image x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" preserveAspectRatio=\"none\" "
        "style=\"image-rendering:pixelated\" href=\"{}\"/>\n",
        area.left, area.top, area.width, area.height, png_data_uri(map.columns, map.rows, rgb));
  }
  out += axes(area, map.x, &map.x, Axis{map.row_label, 0, 1, 0}, /*y_ticks=*/false);
  for (const auto& marker : map.markers) {
    const double px = area.x(marker.x, map.x);
    out += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"#222\" stroke-dasharray=\"3 3\"/>"
        "<text x=\"{3:.1f}\" y=\"{4:.1f}\" fill=\"#222\">{5}</text>\n",
        px, area.top, area.top + area.height, px + 3, area.top - 3, escape_html(marker.label));
  }
  // Colour bar: min .. max.
  const double bar_top = area.top + area.height + 44, bar_left = area.left, bar_width = std::min(area.width, 160.0);
  constexpr int kSteps = 32;
  for (int i = 0; i < kSteps; ++i)
    out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"8\" fill=\"{}\"/>",
                       bar_left + bar_width * i / kSteps, bar_top, bar_width / kSteps + 0.3,
                       hex_colour(heat_colour((i + 0.5) / kSteps)));
  const double span = map.max - map.min;
  const int digits = span > 0 ? std::clamp(2 - static_cast<int>(std::floor(std::log10(span))), 0, 8) : 2;
  out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text><text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"end\">{}</text>"
                     "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>\n",
                     bar_left, bar_top + 19, format_fixed(map.min, digits), bar_left + bar_width, bar_top + 19,
                     format_fixed(map.max, digits), bar_left + bar_width + 8, bar_top + 8, escape_html(map.scale_label));
  out += "</svg>\n";
  return out;
}

std::string render_box_plot(const BoxPlot& plot) {
  for (const auto& series : plot.series)
    if (series.boxes.size() != plot.categories.size())
      fail("box plot '{}': series '{}' has {} boxes for {} categories", plot.title, series.name, series.boxes.size(),
           plot.categories.size());
  const auto area = plot.plot_area();
  std::string out = svg_open(plot.width, plot.height, plot.title);
  out += axes(area, Axis{}, nullptr, plot.y);
  const double bottom = area.top + area.height;
  const double slot = plot.categories.empty() ? 0 : area.width / static_cast<double>(plot.categories.size());
  const double groups = static_cast<double>(std::max<std::size_t>(plot.series.size(), 1));
  const double box = slot * 0.7 / groups;
  for (std::size_t c = 0; c < plot.categories.size(); ++c) {
    const double center = area.left + slot * (static_cast<double>(c) + 0.5);
    for (std::size_t s = 0; s < plot.series.size(); ++s) {
      const auto& b = plot.series[s].boxes[c];
      if (!std::isfinite(b.median)) continue;
      const double x = center - slot * 0.35 + box * static_cast<double>(s) + box * 0.1;
      const double w = box * 0.8, mid = x + w / 2;
      const auto colour = escape_html(plot.series[s].color);
      const auto tip = escape_html(fmt::format(
          "{} {}: whiskers {} to {}, quartiles {} / {} / {}, mean {}", plot.categories[c], plot.series[s].name,
          format_fixed(b.low, plot.y.digits + 2), format_fixed(b.high, plot.y.digits + 2),
          format_fixed(b.q1, plot.y.digits + 2), format_fixed(b.median, plot.y.digits + 2),
          format_fixed(b.q3, plot.y.digits + 2), format_fixed(b.mean, plot.y.digits + 2)));
      out += fmt::format("<g><title>{}</title>", tip);
      out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\"/>", mid,
                         area.y(b.low, plot.y), area.y(b.q1, plot.y), colour);
      out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" stroke=\"{3}\"/>", mid,
                         area.y(b.q3, plot.y), area.y(b.high, plot.y), colour);
      for (double whisker : {b.low, b.high})
        out += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>", mid - w / 4,
                           area.y(whisker, plot.y), mid + w / 4, area.y(whisker, plot.y), colour);
      const double top = area.y(b.q3, plot.y);
      out += fmt::format(
          "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\" fill-opacity=\"0.25\" "
          "stroke=\"{}\"/>",
          x, top, w, std::max(area.y(b.q1, plot.y) - top, 0.5), colour, colour);
      out += fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" stroke=\"{3}\" "
                         "stroke-width=\"2\"/>",
                         x, area.y(b.median, plot.y), x + w, colour);
      out += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"2.5\" fill=\"{}\"/></g>\n", mid,
                         area.y(b.mean, plot.y), colour);
    }
    out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n", center, bottom + 15,
                       escape_html(plot.categories[c]));
  }
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& series : plot.series) entries.emplace_back(series.name, series.color);
  out += legend(area, entries, true);
  out += "</svg>\n";
  return out;
}

}  // namespace achrome::report
