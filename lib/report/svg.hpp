#pragma once
// Inline SVG charts for the reports, written as text: line charts (ROC, training history,
// attention profiles) and grouped bar / dot charts (mark attention, AUROC per epigenome).
// Every name that reaches the SVG is HTML-escaped.
#include <string>
#include <vector>

namespace achrome::report {

struct Point {
  double x = 0;
  double y = 0;
};

struct Axis {
  std::string label;
  double min = 0;
  double max = 1;
  int digits = 1;  // decimals of the tick labels
};

struct Series {
  std::string name;   // legend entry; empty = not in the legend
  std::string color;  // any CSS colour
  std::vector<Point> points;
  bool dashed = false;
  bool dots = false;  // draw a dot at each point (for short series such as epochs)
};

// A vertical reference line, e.g. the TSS or the best epoch.
struct Marker {
  double x = 0;
  std::string label;
};

// The plotting rectangle inside the SVG, in SVG user units.
struct PlotArea {
  double left = 0, top = 0, width = 0, height = 0;
  double x(double value, const Axis& axis) const;  // clamps to the axis range
  double y(double value, const Axis& axis) const;
};

struct LineChart {
  std::string title;
  double width = 360;
  double height = 250;
  Axis x, y;
  std::vector<Series> series;
  std::vector<Marker> markers;
  bool diagonal = false;  // the chance line of a ROC plot
  PlotArea plot_area() const;
};

struct BarSeries {
  std::string name;
  std::string color;
  std::vector<double> values;  // one per category
};

struct BarChart {
  std::string title;
  double width = 360;
  double height = 250;
  Axis y;                               // bars rise from y.min
  std::vector<std::string> categories;  // x axis labels
  std::vector<BarSeries> series;        // grouped side by side in each category
  bool dots = false;                    // a dot at the value instead of a bar (many categories)
  bool rotate_labels = false;           // vertical category labels (many categories)
  std::vector<double> reference_lines;  // horizontal dashed lines, e.g. the mean
  PlotArea plot_area() const;
};

// A matrix drawn as coloured cells (rows x columns, row 0 at the top): genes x bins of attention.
// Embedded as a PNG data URI of one pixel per cell, stretched to the plot area, so the page grows
// with rows x columns bytes at most, not with an SVG element per cell.
struct HeatMap {
  std::string title;
  double width = 340;
  double height = 300;
  Axis x;                      // the columns span [x.min, x.max] (e.g. kb from the TSS)
  std::string row_label;       // y axis label; rows have no ticks
  std::size_t rows = 0, columns = 0;
  std::vector<double> values;  // rows x columns, C order; NaN is drawn grey
  double min = 0, max = 1;     // the colour scale runs from min (white) to max (darkest), clamped
  std::string scale_label;     // under the colour bar
  std::vector<Marker> markers;  // vertical lines, e.g. the TSS
  PlotArea plot_area() const;
};

// Per-category box plots, one box per series side by side: quartiles, the median, whiskers.
struct BoxStats {
  double low = 0, q1 = 0, median = 0, q3 = 0, high = 0;  // whiskers at low / high
  double mean = 0;                                       // drawn as a dot
};
struct BoxSeries {
  std::string name;
  std::string color;
  std::vector<BoxStats> boxes;  // one per category; a NaN median leaves the slot empty
};
struct BoxPlot {
  std::string title;
  double width = 420;
  double height = 260;
  Axis y;
  std::vector<std::string> categories;
  std::vector<BoxSeries> series;
  PlotArea plot_area() const;
};

// The quantile of sorted values by linear interpolation (numpy's default); NaN when empty.
double quantile_sorted(const std::vector<double>& sorted, double q);

// A truecolour PNG (8-bit RGB, no interlace) of width x height pixels, rgb row by row, as a
// data:image/png;base64 URI.
std::string png_data_uri(std::size_t width, std::size_t height, const std::vector<unsigned char>& rgb);

// Round tick values covering [min, max], about 'target' of them (steps of 1, 2 or 5 x 10^k).
std::vector<double> nice_ticks(double min, double max, int target = 5);

// Keeps the shape of a long polyline (a ROC curve of thousands of genes) with fewer points: drops
// a point closer than 'resolution' (in data units, both axes) to the last kept one; the first and
// last points are always kept.
std::vector<Point> thin_polyline(const std::vector<Point>& points, double resolution);

std::string render_line_chart(const LineChart& chart);
std::string render_bar_chart(const BarChart& chart);
std::string render_heat_map(const HeatMap& map);
std::string render_box_plot(const BoxPlot& plot);

}  // namespace achrome::report
