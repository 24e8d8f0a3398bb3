#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "metrics/regression.hpp"
#include "util/error.hpp"

using namespace achrome;

// Expected values computed with SciPy 1.10.1 / NumPy 1.24.2 (Debian 12's python3-scipy):
//   import numpy as np, scipy.stats as st
//   x = [0.5, 2.0, 1.0, 1.0, 3.5, -0.25, 2.0, 4.0]; y = [1.2, 1.9, 0.3, 1.1, 3.0, 0.0, 2.5, 2.9]
//   st.pearsonr(x, y)[0]                  = 0.9149516084877131
//   st.spearmanr(x, y).correlation        = 0.8916309815169778
//   np.mean((np.array(x) - np.array(y))**2) = 0.3465625
//   st.rankdata(x).tolist()               = [2.0, 5.5, 3.5, 3.5, 7.0, 1.0, 5.5, 8.0]
TEST(RegressionMetrics, MatchScipyWithTies) {
  const std::vector<double> x{0.5, 2.0, 1.0, 1.0, 3.5, -0.25, 2.0, 4.0};
  const std::vector<double> y{1.2, 1.9, 0.3, 1.1, 3.0, 0.0, 2.5, 2.9};
  EXPECT_NEAR(pearson(x, y), 0.9149516084877131, 1e-12);
  EXPECT_NEAR(spearman(x, y), 0.8916309815169778, 1e-12);
  EXPECT_NEAR(mean_squared_error(x, y), 0.3465625, 1e-12);
  EXPECT_EQ(average_ranks(x), (std::vector<double>{2.0, 5.5, 3.5, 3.5, 7.0, 1.0, 5.5, 8.0}));
}

// A large mean against a small spread (log expression near 5, differences of 0.001), and ties in y:
//   a = [5.0 + 1e-3 * i for i in [3, 1, 4, 1, 5, 9, 2, 6]]; b = [2, 7, 1, 8, 2, 8, 1, 8]
//   st.pearsonr(a, b)[0]           = 0.20965531907310597
//   st.spearmanr(a, b).correlation = 0.19885368120992467
TEST(RegressionMetrics, SmallSpreadAroundLargeMean) {
  std::vector<double> a;
  for (int i : {3, 1, 4, 1, 5, 9, 2, 6}) a.push_back(5.0 + 1e-3 * i);
  const std::vector<double> b{2, 7, 1, 8, 2, 8, 1, 8};
  EXPECT_NEAR(pearson(a, b), 0.20965531907310597, 1e-9);
  EXPECT_NEAR(spearman(a, b), 0.19885368120992467, 1e-12);
}

TEST(RegressionMetrics, PerfectInvertedAndMonotone) {
  EXPECT_DOUBLE_EQ(pearson({1, 2, 3}, {2, 4, 6}), 1.0);
  EXPECT_DOUBLE_EQ(pearson({1, 2, 3}, {3, 2, 1}), -1.0);
  // Spearman sees only the order: any increasing function is 1.
  EXPECT_DOUBLE_EQ(spearman({1, 2, 3, 4}, {1, 10, 100, 1000}), 1.0);
  EXPECT_LT(pearson({1, 2, 3, 4}, {1, 10, 100, 1000}), 1.0);
}

// Constant input has no correlation: NaN, as SciPy returns (with a warning).
TEST(RegressionMetrics, ConstantInputIsNaN) {
  EXPECT_TRUE(std::isnan(pearson({1, 1, 1}, {1, 2, 3})));
  EXPECT_TRUE(std::isnan(spearman({1, 2, 3}, {4, 4, 4})));
}

TEST(RegressionMetrics, BadInputIsAnError) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(pearson({1, 2}, {1, 2, 3}), Error);
  EXPECT_THROW(pearson({1}, {1}), Error);
  EXPECT_THROW(spearman({1, nan, 3}, {1, 2, 3}), Error);
  EXPECT_THROW(mean_squared_error({1, 2}, {1, std::numeric_limits<double>::infinity()}), Error);
  try {
    pearson({1, 2, nan}, {1, 2, 3});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "metrics: prediction 2 is not finite (nan)");
  }
}
