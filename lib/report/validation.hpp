#pragma once
// The paper's check of attention against biology (Singh et al. 2017, Table 3): does the model look
// where a mark it never saw says a gene is active? The paper correlates, over the positions of the
// window, the mean H3K4me3 bin attention of the genes predicted ON with the mean H3K27ac signal of
// the same genes, and does the same for a saliency map.
//
// That correlation says little about what a model learned: H3K4me3 and H3K27ac both peak at the
// TSS, and attention computed from the H3K4me3 signal peaks (or dips) where that signal does in any
// model, so models trained on shuffled labels score |r| up to 0.97 too, of either sign (docs/report.md
// has the measurements). So beside the paper's numbers the report gives a pair that depends on what
// the model learned: the attention-weighted gradient, alpha x d logit / d input (where the model
// looks, and whether more signal there moves the call towards ON), and the plain gradient, both
// averaged over the test genes, correlated with the validation mark's profile of the genes labelled
// ON minus that of the genes labelled OFF. Training on shuffled labels leaves gradients without a
// consistent sign, and these correlations fall towards zero on average.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dataset/study.hpp"
#include "report/run_folder.hpp"
#include "util/npy.hpp"

namespace achrome::report {

// A binned mark that is not a model input, for the run's test genes.
struct ValidationTrack {
  std::string mark;               // e.g. H3K27ac
  std::filesystem::path path;     // the .npy it was read from
  std::vector<float> values;      // [run genes, bins], rows in run.genes order, bins as stored
  std::size_t bins = 0;
};

// Reads one matrix of achrome-bin ([genes, bins] in genes_tsv order) and keeps the run's test genes.
// Its geometry sidecar, when it and the run's geometry.json are there, must describe the same window
// and bins. Error naming the file when a gene of the run is missing or the bins disagree.
ValidationTrack read_validation_track(const RunFolder& run, const std::filesystem::path& genes_tsv,
                                      const MarkFile& track);

// Profiles over the window, one value per bin, drawn 5' to 3' of each gene.
struct ValidationProfiles {
  std::vector<double> alpha_on;          // mean alpha of the compared mark over genes predicted ON (empty: no alpha)
  std::vector<double> saliency_on;       // mean |d logit / d input| over genes predicted ON (empty: no saliency)
  std::vector<double> track_on;          // mean validation signal over genes predicted ON
  std::vector<double> attended_gradient; // mean alpha x d logit / d input over all test genes
  std::vector<double> gradient;          // mean d logit / d input over all test genes
  std::vector<double> track_contrast;    // mean validation signal, genes labelled ON minus OFF
};

struct ValidationCorrelation {
  std::string check;  // "paper" or "learned"
  std::string view;   // "alpha" or "saliency"
  double r = 0;       // Pearson r over the bins; NaN when undefined (no gene predicted ON, a flat profile)
};

struct ValidationResult {
  std::string mark;   // the input mark whose attention and saliency are compared (H3K4me3)
  std::string track;  // the validation mark (H3K27ac)
  std::size_t predicted_on = 0, labelled_on = 0, labelled_off = 0, genes = 0;
  ValidationProfiles profiles;
  std::vector<ValidationCorrelation> correlations;  // paper alpha, paper saliency, learned alpha, learned saliency
};

// Inputs in the run's stored layout: alpha [genes, A, bins] (A = marks, or 1 for attention shared by
// the marks; null without attention), saliency [genes, marks, bins] (null without), the track
// [genes, bins]; reversed[g] says that gene g is drawn from its last bin (a minus-strand gene in
// genomic orientation). `mark` is the index of the compared mark among the run's marks.
struct ValidationInputs {
  const std::vector<AttentionGene>* genes = nullptr;
  const NpyArray* alpha = nullptr;
  const NpyArray* saliency = nullptr;
  const ValidationTrack* track = nullptr;
  std::vector<bool> reversed;
  std::size_t mark = 0;
  std::string mark_name;
};
ValidationResult validate_attention(const ValidationInputs& inputs);

}  // namespace achrome::report
