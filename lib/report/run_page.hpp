#pragma once
// The HTML page of one trained run: metrics per split, ROC of the test split, training history,
// and what the model looked at, drawn 5' to 3' of every gene: profiles of bin attention (alpha),
// saliency and input signal per mark for ON vs OFF test genes, alpha heat maps of the genes
// predicted ON and OFF, the distribution of mark attention (beta), named genes one by one, top
// genes. Every plotted number is also returned as TSV tables for the files beside the page; the
// page holds aggregates only (no per-gene arrays), so it stays small at any gene count.
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "report/run_folder.hpp"
#include "report/validation.hpp"
#include "report/svg.hpp"

namespace achrome::report {

struct RunPageOptions {
  std::string title;              // default: "{epigenome} · {model}"
  // The window and bin order when the run folder has no geometry.json (older runs); ignored otherwise.
  double upstream_bp = 5000;      // bins are spread evenly; the TSS sits at 0
  double downstream_bp = 5000;
  Orientation orientation = Orientation::Genomic;
  std::size_t top_genes = 15;
  std::size_t heat_map_rows = 100;    // genes are averaged in blocks above this
  std::vector<std::string> genes;     // named genes drawn one by one (test genes of the run)
  std::optional<NpyArray> signal;     // input [run genes, marks, bins] (read_run_signal), if known
  // A mark that is not a model input (H3K27ac in the paper), for the check of attention against it
  // (validation.hpp), and the input mark whose attention and saliency are compared with it.
  std::optional<ValidationTrack> validation;
  std::string validation_mark = "H3K4me3";
};

struct RunPage {
  std::string html;
  // (suffix, TSV) written beside the page as PAGE.suffix (table_path): profiles.tsv
  // (mark group kind kb value), heatmap.tsv, beta.tsv, named_genes.tsv, roc.tsv, and with a validation
  // track validation.tsv (check view mark track genes r) and validation_profiles.tsv (profile kb value).
  std::vector<std::pair<std::string, std::string>> tables;
};

// ROC curve of one split from predictions.tsv (scores = logits, which order genes exactly as the
// probabilities do without float saturation), as chart points.
std::vector<Point> roc_points(const std::vector<Prediction>& predictions, Split split);

// Bin centres in kb relative to the TSS for a symmetric-or-not window split into 'bins' bins.
std::vector<double> bin_centres_kb(std::size_t bins, double upstream_bp, double downstream_bp);

// Error when a --gene is not a test gene of the run, or the signal does not fit the run.
RunPage render_run_page(const RunFolder& run, const RunPageOptions& options);

// reports/E003.html + "profiles.tsv" -> reports/E003.profiles.tsv
std::filesystem::path table_path(const std::filesystem::path& page, const std::string& suffix);

}  // namespace achrome::report
