#include <cmath>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "report/html.hpp"
#include "report/svg.hpp"
#include "util/error.hpp"

using namespace achrome::report;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(Html, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(escape_html(R"(<a href="x">Tom & 'Jerry'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  EXPECT_EQ(escape_html("H3K4me3"), "H3K4me3");
}

TEST(Html, FormatsNumbers) {
  EXPECT_EQ(format_fixed(0.81149, 4), "0.8115");
  EXPECT_EQ(format_fixed(std::nan(""), 4), "n/a");
  EXPECT_EQ(format_fixed(-0.00001, 3), "0.000");
  EXPECT_EQ(format_fixed(-1.5, 1), "-1.5");
  EXPECT_EQ(format_count(19802), "19,802");
  EXPECT_EQ(format_count(100), "100");
  EXPECT_EQ(format_count(1000000), "1,000,000");
}

TEST(Html, PageEscapesTitleAndHasNoScripts) {
  const auto page = html_page("E003 <b>", "<p>body</p>");
  EXPECT_THAT(page, HasSubstr("<title>E003 &lt;b&gt;</title>"));
  EXPECT_THAT(page, HasSubstr("<p>body</p>"));
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("http")));
}

TEST(Svg, NiceTicks) {
  EXPECT_THAT(nice_ticks(0, 1), ElementsAre(0, 0.2, 0.4, ::testing::DoubleNear(0.6, 1e-12), 0.8, 1.0));
  EXPECT_THAT(nice_ticks(-5, 5), ElementsAre(-4, -2, 0, 2, 4));
  EXPECT_THAT(nice_ticks(1, 30), ElementsAre(10, 20, 30));  // step 5.8 rounds up to 10
  EXPECT_THAT(nice_ticks(1, 6), ElementsAre(1, 2, 3, 4, 5, 6));
}

TEST(Svg, LineChartMapsDataToThePlotArea) {
  LineChart chart;
  chart.title = "ROC";
  chart.x = {"FPR", 0, 1, 1};
  chart.y = {"TPR", 0, 1, 1};
  chart.series.push_back({"model", "#123456", {{0, 0}, {0, 0.5}, {1, 1}}});
  const auto area = chart.plot_area();
  ASSERT_DOUBLE_EQ(area.left, 52);
  ASSERT_DOUBLE_EQ(area.top, 30);
  const auto svg = render_line_chart(chart);
  // (0,0) is the bottom-left corner, (1,1) the top-right, y grows downward in SVG.
  const std::string expected = fmt::format("points=\"{:.1f},{:.1f} {:.1f},{:.1f} {:.1f},{:.1f}\"", area.left,
                                           area.top + area.height, area.left, area.top + area.height / 2,
                                           area.left + area.width, area.top);
  EXPECT_THAT(svg, HasSubstr(expected));
  EXPECT_THAT(svg, HasSubstr("stroke=\"#123456\""));
  // Out-of-range values are clamped to the plot edge rather than drawn outside it.
  EXPECT_DOUBLE_EQ(area.y(2.0, chart.y), area.top);
}

TEST(Svg, NamesAreEscaped) {
  LineChart chart;
  chart.title = "H3K4me3 <&>";
  chart.series.push_back({"ON \"genes\"", "red", {{0, 0}, {1, 1}}});
  chart.markers.push_back({0.5, "<TSS>"});
  const auto svg = render_line_chart(chart);
  EXPECT_THAT(svg, HasSubstr("H3K4me3 &lt;&amp;&gt;"));
  EXPECT_THAT(svg, HasSubstr("ON &quot;genes&quot;"));
  EXPECT_THAT(svg, HasSubstr("&lt;TSS&gt;"));
  EXPECT_THAT(svg, Not(HasSubstr("<&>")));

  BarChart bars;
  bars.title = "beta";
  bars.categories = {"<mark>"};
  bars.series = {{"ON", "red", {0.5}}};
  EXPECT_THAT(render_bar_chart(bars), HasSubstr("&lt;mark&gt;"));
}

TEST(Svg, BarChartChecksSeriesLengthAndDrawsFromTheAxisMinimum) {
  BarChart bars;
  bars.categories = {"a", "b"};
  bars.series = {{"ON", "red", {0.5}}};
  EXPECT_THROW(render_bar_chart(bars), achrome::Error);
  bars.series = {{"ON", "red", {0.5, 1.0}}};
  bars.y = {"", 0, 1, 1};
  const auto area = bars.plot_area();
  const auto svg = render_bar_chart(bars);
  // The bar of 1.0 reaches the top and is as tall as the plot area.
  EXPECT_THAT(svg, HasSubstr(fmt::format("y=\"{:.1f}\"", area.top)));
  EXPECT_THAT(svg, HasSubstr(fmt::format("height=\"{:.1f}\"", area.height)));
}

TEST(Svg, ThinPolylineKeepsShapeAndEnds) {
  std::vector<Point> points;
  for (int i = 0; i <= 1000; ++i) points.push_back({i / 1000.0, i / 1000.0});
  const auto thin = thin_polyline(points, 0.01);
  EXPECT_LT(thin.size(), 110u);
  EXPECT_GT(thin.size(), 90u);
  EXPECT_DOUBLE_EQ(thin.front().x, 0);
  EXPECT_DOUBLE_EQ(thin.back().x, 1);
  // A vertical jump survives thinning.
  const auto step = thin_polyline({{0, 0}, {0, 0.5}, {0.001, 0.5}, {1, 1}}, 0.01);
  EXPECT_EQ(step.size(), 3u);
  EXPECT_DOUBLE_EQ(step[1].y, 0.5);
}
