#pragma once
// Binary classification metrics, defined exactly as scikit-learn defines them, so that numbers
// are comparable with the paper's: AUROC = roc_auc_score (ties count one half, the Mann-Whitney
// statistic), AUPR = average_precision_score (step-wise, no interpolation).
#include <vector>

namespace achrome {

struct RocPoint {
  double false_positive_rate;
  double true_positive_rate;
  double threshold;
};

// labels are 0/1. Throws Error if only one class is present (AUROC is undefined, as in sklearn).
double auroc(const std::vector<float>& scores, const std::vector<int>& labels);
double average_precision(const std::vector<float>& scores, const std::vector<int>& labels);
// One point per distinct score (descending thresholds), starting at (0, 0) as sklearn's roc_curve.
std::vector<RocPoint> roc_curve(const std::vector<float>& scores, const std::vector<int>& labels);

}  // namespace achrome
