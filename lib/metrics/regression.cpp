#include "metrics/regression.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "util/error.hpp"

namespace achrome {

namespace {

void check(const std::vector<double>& x, const std::vector<double>& y, std::size_t at_least) {
  if (x.size() != y.size()) fail("metrics: {} predictions but {} targets", x.size(), y.size());
  if (x.size() < at_least) fail("metrics: {} values; a correlation needs at least {}", x.size(), at_least);
  // A NaN has no rank and poisons every sum: a model producing one has diverged.
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) fail("metrics: prediction {} is not finite ({})", i, x[i]);
    if (!std::isfinite(y[i])) fail("metrics: target {} is not finite ({})", i, y[i]);
  }
}

double mean(const std::vector<double>& values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

// Two passes (centre, then sum products): the one-pass formula loses every digit when the mean is
// large against the spread, as log expression values near 5 with a spread of 0.01 would be.
double correlation(const std::vector<double>& x, const std::vector<double>& y) {
  const double mx = mean(x), my = mean(y);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mx, dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx == 0 || syy == 0) return std::numeric_limits<double>::quiet_NaN();
  // Rounding can put |r| a hair above 1; SciPy clips it the same way.
  return std::clamp(sxy / std::sqrt(sxx * syy), -1.0, 1.0);
}

}  // namespace

std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && values[order[j]] == values[order[i]]) ++j;
    // Positions i..j-1 (0-based) hold equal values: each gets the mean of ranks i+1..j.
    const double rank = (static_cast<double>(i) + static_cast<double>(j - 1)) / 2.0 + 1.0;
    for (std::size_t k = i; k < j; ++k) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  check(x, y, 2);
  return correlation(x, y);
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  check(x, y, 2);
  return correlation(average_ranks(x), average_ranks(y));
}

double mean_squared_error(const std::vector<double>& x, const std::vector<double>& y) {
  check(x, y, 1);
  double sum = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sum += (x[i] - y[i]) * (x[i] - y[i]);
  return sum / static_cast<double>(x.size());
}

}  // namespace achrome
