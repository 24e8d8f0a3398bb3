#pragma once
// How a signal track (bigWig, bedGraph) becomes bin values: the one place shared by both readers.
// deepTools computeMatrix --averageTypeBins mean: with --missingDataAsZero a bin is
// sum(value x covered bases) / bin size; without it, the mean over the bases that have data (NaN if none).
#include <algorithm>
#include <cstdint>
#include <limits>

namespace achrome {

// Adds an interval [a, b) of constant value to the per-bin sums of a window starting at window_start;
// the interval must lie inside the window.
inline void add_track_interval(double* sum, double* covered, std::int64_t window_start, std::int64_t bin_size,
                               std::int64_t a, std::int64_t b, double value) {
  while (a < b) {  // split the interval at bin edges
    const std::int64_t k = (a - window_start) / bin_size;
    const std::int64_t edge = std::min(b, window_start + (k + 1) * bin_size);
    sum[k] += value * static_cast<double>(edge - a);
    covered[k] += static_cast<double>(edge - a);
    a = edge;
  }
}

// Turns one window's sums into its output row (reversed for minus-strand genes in transcript orientation).
inline void write_track_means(const double* sum, const double* covered, int bins, std::int64_t bin_size,
                              bool nan_missing, bool reversed, float* row) {
  for (int k = 0; k < bins; ++k) {
    const double value = nan_missing ? (covered[k] > 0 ? sum[k] / covered[k] : std::numeric_limits<double>::quiet_NaN())
                                     : sum[k] / static_cast<double>(bin_size);
    row[reversed ? bins - 1 - k : k] = static_cast<float>(value);
  }
}

}  // namespace achrome
