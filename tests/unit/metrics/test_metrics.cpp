#include <gtest/gtest.h>

#include <limits>

#include "metrics/classification.hpp"
#include "util/error.hpp"

using namespace achrome;

// Expected values computed with scikit-learn 1.2:
//   roc_auc_score([0,0,1,1,1,0], [0.1,0.4,0.35,0.8,0.4,0.2])            = 0.8333333333
//   average_precision_score([0,0,1,1,1,0], [0.1,0.4,0.35,0.8,0.4,0.2])  = 0.8055555556
TEST(Metrics, MatchScikitLearnWithTies) {
  const std::vector<float> scores{0.1f, 0.4f, 0.35f, 0.8f, 0.4f, 0.2f};
  const std::vector<int> labels{0, 0, 1, 1, 1, 0};
  EXPECT_NEAR(auroc(scores, labels), 0.8333333333, 1e-9);
  EXPECT_NEAR(average_precision(scores, labels), 0.8055555556, 1e-9);
}

TEST(Metrics, PerfectAndInverted) {
  EXPECT_DOUBLE_EQ(auroc({0.1f, 0.9f}, {0, 1}), 1.0);
  EXPECT_DOUBLE_EQ(auroc({0.9f, 0.1f}, {0, 1}), 0.0);
  EXPECT_DOUBLE_EQ(auroc({0.5f, 0.5f}, {0, 1}), 0.5);
}

TEST(Metrics, RocCurveStartsAtOriginEndsAtOne) {
  const auto curve = roc_curve({0.1f, 0.4f, 0.35f, 0.8f}, {0, 0, 1, 1});
  ASSERT_GE(curve.size(), 2u);
  EXPECT_EQ(curve.front().false_positive_rate, 0.0);
  EXPECT_EQ(curve.back().true_positive_rate, 1.0);
  EXPECT_EQ(curve.back().false_positive_rate, 1.0);
}

TEST(Metrics, OneClassIsAnError) { EXPECT_THROW(auroc({0.1f, 0.2f}, {1, 1}), Error); }

// A diverged model scores NaN or infinity; that must be an error naming the score, never a hang
// (NaN != NaN kept the tie loop from advancing) or a number.
TEST(Metrics, NonFiniteScoresAreAnError) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<int> labels{0, 1, 0, 1};
  for (const auto& scores : {std::vector<float>{0.1f, nan, 0.3f, 0.4f}, std::vector<float>{0.1f, 0.2f, -inf, 0.4f},
                             std::vector<float>{nan, nan, nan, nan}}) {
    EXPECT_THROW(average_precision(scores, labels), Error);
    EXPECT_THROW(roc_curve(scores, labels), Error);
    EXPECT_THROW(auroc(scores, labels), Error);
  }
  try {
    auroc({0.1f, nan, 0.3f, 0.4f}, labels);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "metrics: score 1 is not finite (nan)");
  }
}
