#include "report/validation.hpp"

#include <cmath>
#include <limits>
#include <unordered_map>

#include <fmt/format.h>

#include "metrics/regression.hpp"
#include "signal/bin_geometry.hpp"
#include "util/error.hpp"

namespace fs = std::filesystem;

namespace achrome::report {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Sums rows of a [genes, panels, bins] array into a profile, each gene read 5' to 3'; weight (if
// given, [genes, weight_panels, bins]) multiplies element-wise.
class ProfileSum {
 public:
  explicit ProfileSum(std::size_t bins) : sum_(bins, 0.0) {}
  void add(const float* row, const std::vector<bool>& reversed, std::size_t g, bool absolute,
           const float* weight = nullptr) {
    const std::size_t bins = sum_.size();
    for (std::size_t k = 0; k < bins; ++k) {
      const std::size_t column = reversed[g] ? bins - 1 - k : k;
      double v = row[column];
      if (absolute) v = std::abs(v);
      if (weight) v *= weight[column];
      sum_[k] += v;
    }
    ++count_;
  }
  std::vector<double> mean() const {
    std::vector<double> out(sum_.size(), kNaN);
    if (count_ > 0)
      for (std::size_t k = 0; k < sum_.size(); ++k) out[k] = sum_[k] / static_cast<double>(count_);
    return out;
  }

 private:
  std::vector<double> sum_;
  std::size_t count_ = 0;
};

std::vector<double> difference(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> out(a.size());
  for (std::size_t k = 0; k < a.size(); ++k) out[k] = a[k] - b[k];
  return out;
}

// lib/metrics' Pearson r, with NaN where it is undefined (series of fewer than 2 values or of different
// lengths, a value that is not finite) in place of its error: a check that cannot be computed is
// reported as nan, not a failure of the page. A constant series is NaN in lib/metrics already.
double pearson_r(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size() || a.size() < 2) return kNaN;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!std::isfinite(a[i]) || !std::isfinite(b[i])) return kNaN;
  return pearson(a, b);
}

}  // namespace

ValidationTrack read_validation_track(const RunFolder& run, const fs::path& genes_tsv, const MarkFile& track) {
  // The sidecar says what the columns are; a track binned over another window would correlate
  // positions that are not the same positions.
  const auto geometry = marks_geometry({{track.mark, track.path}}, genes_tsv);
  if (geometry && run.geometry) {
    const auto differs = run.geometry->difference(*geometry);
    if (!differs.empty())
      fail("{}: its bins are not the run's ({} vs {}: {})", track.path.string(),
           geometry_sidecar(track.path).string(), (run.dir / "geometry.json").string(), differs);
  }
  const auto stacked = stack_marks(genes_tsv, {track});
  ValidationTrack out;
  out.mark = track.mark;
  out.path = track.path;
  out.bins = stacked.inputs.bins;
  if (run.metrics.bins > 0 && out.bins != static_cast<std::size_t>(run.metrics.bins))
    fail("{}: {} bins, but the run has {} (metrics.json)", track.path.string(), out.bins, run.metrics.bins);
  std::unordered_map<std::string, std::size_t> row_of;
  for (std::size_t g = 0; g < stacked.gene_ids.size(); ++g) row_of.emplace(stacked.gene_ids[g], g);
  out.values.resize(run.genes.size() * out.bins);
  for (std::size_t g = 0; g < run.genes.size(); ++g) {
    const auto it = row_of.find(run.genes[g].gene_id);
    if (it == row_of.end()) fail("{}: gene {} of the run is not in it", genes_tsv.string(), run.genes[g].gene_id);
    std::copy_n(stacked.inputs.data.data() + it->second * out.bins, out.bins, out.values.data() + g * out.bins);
  }
  return out;
}

ValidationResult validate_attention(const ValidationInputs& in) {
  const auto& genes = *in.genes;
  const auto& track = *in.track;
  const std::size_t bins = track.bins;
  ValidationResult result;
  result.mark = in.mark_name;
  result.track = track.mark;
  result.genes = genes.size();
  // Attention shared by all marks (one panel) is compared as it is; per-mark attention by the mark's panel.
  const std::size_t alpha_panel = in.alpha && in.alpha->dim(1) == 1 ? 0 : in.mark;
  const auto row = [&](const NpyArray& array, std::size_t g, std::size_t panel) {
    return array.data.data() + (g * array.dim(1) + panel) * bins;
  };
  ProfileSum alpha_on(bins), saliency_on(bins), track_on(bins), attended(bins), gradient(bins), track_labelled_on(bins),
      track_labelled_off(bins);
  for (std::size_t g = 0; g < genes.size(); ++g) {
    const float* track_row = track.values.data() + g * bins;
    // Predicted ON as the heat maps say it: probability >= 0.5.
    if (genes[g].probability >= 0.5f) {
      ++result.predicted_on;
      track_on.add(track_row, in.reversed, g, false);
      if (in.alpha) alpha_on.add(row(*in.alpha, g, alpha_panel), in.reversed, g, false);
      if (in.saliency) saliency_on.add(row(*in.saliency, g, in.mark), in.reversed, g, true);
    }
    (genes[g].label == 1 ? track_labelled_on : track_labelled_off).add(track_row, in.reversed, g, false);
    result.labelled_on += genes[g].label == 1;
    result.labelled_off += genes[g].label != 1;
    if (in.saliency) {
      gradient.add(row(*in.saliency, g, in.mark), in.reversed, g, false);
      if (in.alpha) attended.add(row(*in.saliency, g, in.mark), in.reversed, g, false, row(*in.alpha, g, alpha_panel));
    }
  }
  auto& p = result.profiles;
  p.track_on = track_on.mean();
  p.track_contrast = difference(track_labelled_on.mean(), track_labelled_off.mean());
  if (in.alpha) p.alpha_on = alpha_on.mean();
  if (in.saliency) {
    p.saliency_on = saliency_on.mean();
    p.gradient = gradient.mean();
    if (in.alpha) p.attended_gradient = attended.mean();
  }
  if (in.alpha) result.correlations.push_back({"paper", "alpha", pearson_r(p.alpha_on, p.track_on)});
  if (in.saliency) result.correlations.push_back({"paper", "saliency", pearson_r(p.saliency_on, p.track_on)});
  if (in.alpha && in.saliency)
    result.correlations.push_back({"learned", "alpha", pearson_r(p.attended_gradient, p.track_contrast)});
  if (in.saliency) result.correlations.push_back({"learned", "saliency", pearson_r(p.gradient, p.track_contrast)});
  return result;
}

}  // namespace achrome::report
