#include "metrics/classification.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "util/error.hpp"

namespace achrome {

namespace {

void check(const std::vector<float>& scores, const std::vector<int>& labels) {
  if (scores.size() != labels.size()) fail("metrics: {} scores but {} labels", scores.size(), labels.size());
  // NaN compares unequal to itself and unordered to everything: the sorts below would get no strict
  // weak ordering and the tie loops would never advance. Infinities tie with each other, but a model
  // producing them has diverged, and a ranking of saturated scores means nothing.
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (!std::isfinite(scores[i])) fail("metrics: score {} is not finite ({})", i, scores[i]);
  std::size_t positives = 0;
  for (int label : labels) {
    if (label != 0 && label != 1) fail("metrics: labels must be 0 or 1, found {}", label);
    positives += static_cast<std::size_t>(label);
  }
  if (positives == 0 || positives == labels.size())
    fail("metrics: only one class present in {} labels; AUROC is undefined", labels.size());
}

// Indices sorted by descending score.
std::vector<std::size_t> order_by_score(const std::vector<float>& scores) {
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
  return order;
}

}  // namespace

double auroc(const std::vector<float>& scores, const std::vector<int>& labels) {
  check(scores, labels);
  // Mann-Whitney U via mid-ranks: ties between a positive and a negative count one half.
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] < scores[b]; });
  double positive_rank_sum = 0;
  double positives = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) ++j;
    const double mid_rank = (static_cast<double>(i) + static_cast<double>(j - 1)) / 2.0 + 1.0;
    for (std::size_t k = i; k < j; ++k)
      if (labels[order[k]] == 1) {
        positive_rank_sum += mid_rank;
        positives += 1;
      }
    i = j;
  }
  const double negatives = static_cast<double>(labels.size()) - positives;
  return (positive_rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives);
}

std::vector<RocPoint> roc_curve(const std::vector<float>& scores, const std::vector<int>& labels) {
  check(scores, labels);
  const auto order = order_by_score(scores);
  const double positives = std::accumulate(labels.begin(), labels.end(), 0.0);
  const double negatives = static_cast<double>(labels.size()) - positives;
  std::vector<RocPoint> curve{{0.0, 0.0, std::numeric_limits<double>::infinity()}};
  double tp = 0, fp = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (labels[order[i]] == 1) tp += 1; else fp += 1;
    if (i + 1 == order.size() || scores[order[i + 1]] != scores[order[i]])
      curve.push_back({fp / negatives, tp / positives, scores[order[i]]});
  }
  return curve;
}

double average_precision(const std::vector<float>& scores, const std::vector<int>& labels) {
  check(scores, labels);
  // sklearn: AP = sum_n (R_n - R_{n-1}) P_n over distinct thresholds.
  const auto order = order_by_score(scores);
  const double positives = std::accumulate(labels.begin(), labels.end(), 0.0);
  double tp = 0, fp = 0, previous_recall = 0, ap = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (labels[order[i]] == 1) tp += 1; else fp += 1;
    if (i + 1 == order.size() || scores[order[i + 1]] != scores[order[i]]) {
      const double recall = tp / positives;
      const double precision = tp / (tp + fp);
      ap += (recall - previous_recall) * precision;
      previous_recall = recall;
    }
  }
  return ap;
}

}  // namespace achrome
