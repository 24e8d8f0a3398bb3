#pragma once
// The HTML page of one trained run: metrics per split, ROC of the test split, training history,
// bin attention (alpha) per mark for ON vs OFF test genes, mark attention (beta), top genes.
#include <string>

#include "report/run_folder.hpp"
#include "report/svg.hpp"

namespace achrome::report {

struct RunPageOptions {
  std::string title;              // default: "{epigenome} · {model}"
  double upstream_bp = 5000;      // the window the bins cover, for the kb axis of alpha
  double downstream_bp = 5000;    // (bins are spread evenly; the TSS sits at 0)
  std::size_t top_genes = 15;
};

// ROC curve of one split from predictions.tsv (scores = logits, which order genes exactly as the
// probabilities do without float saturation), as chart points.
std::vector<Point> roc_points(const std::vector<Prediction>& predictions, Split split);

// Bin centres in kb relative to the TSS for a symmetric-or-not window split into 'bins' bins.
std::vector<double> bin_centres_kb(std::size_t bins, double upstream_bp, double downstream_bp);

std::string render_run_page(const RunFolder& run, const RunPageOptions& options);

}  // namespace achrome::report
