#pragma once
// Correlation of predicted and measured expression, defined as SciPy defines them, so that numbers
// are comparable with other tools': Pearson r = scipy.stats.pearsonr (numpy.corrcoef), Spearman r =
// scipy.stats.spearmanr, the Pearson r of the ranks with tied values given their average rank.
#include <vector>

namespace achrome {

// r of x and y, which must be the same length (at least 2) and finite (an Error otherwise). NaN when
// x or y is constant (no variance, r undefined), as SciPy returns.
double pearson(const std::vector<double>& x, const std::vector<double>& y);
double spearman(const std::vector<double>& x, const std::vector<double>& y);

// 1-based ranks of values, ties given the mean of the ranks they span (scipy.stats.rankdata "average").
std::vector<double> average_ranks(const std::vector<double>& values);

// Mean of (x - y)^2; same checks as pearson, at least 1 value.
double mean_squared_error(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace achrome
