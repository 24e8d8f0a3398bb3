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

// Round tick values covering [min, max], about 'target' of them (steps of 1, 2 or 5 x 10^k).
std::vector<double> nice_ticks(double min, double max, int target = 5);

// Keeps the shape of a long polyline (a ROC curve of thousands of genes) with fewer points: drops
// a point closer than 'resolution' (in data units, both axes) to the last kept one; the first and
// last points are always kept.
std::vector<Point> thin_polyline(const std::vector<Point>& points, double resolution);

std::string render_line_chart(const LineChart& chart);
std::string render_bar_chart(const BarChart& chart);

}  // namespace achrome::report
