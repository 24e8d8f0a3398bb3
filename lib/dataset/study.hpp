#pragma once
// Model inputs of one epigenome, assembled from the study's files (no LibTorch here):
// genes.tsv (the row order), labels/{eid}.tsv (which genes are labelled, their label and split) and
// one [genes, bins] .npy per mark, stacked into the published layout [genes, bins, marks].
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "dataset/labels.hpp"

namespace achrome {

struct MarkFile {
  std::string mark;             // e.g. H3K4me3
  std::filesystem::path path;   // float32 [genes, bins]
};

// "H3K4me3=bins/E003/H3K4me3.npy" -> {mark, path}; throws Error on a malformed spec.
MarkFile parse_mark_spec(const std::string& spec);

struct TrainingSet {
  std::vector<std::string> marks;     // the order of the last input axis
  std::size_t bins = 0;
  std::vector<std::string> gene_ids;  // labelled genes, in labels-file order
  std::vector<int> labels;            // 0/1
  std::vector<double> values;         // the labels file's value column: the expression each label came from
  std::vector<Split> splits;
  std::vector<float> inputs;          // [genes, bins, marks], C order

  std::size_t genes() const { return gene_ids.size(); }
  // Row indices (into gene_ids / inputs) of the genes of one split, in order.
  std::vector<std::size_t> rows(Split split) const;
};

// Every .npy must have as many rows as genes.tsv and all the same number of bins; every labelled
// gene must be in genes.tsv. Errors name the offending file (and line for labels).
TrainingSet assemble_training_set(const std::filesystem::path& genes_tsv, const std::filesystem::path& labels_tsv,
                                  const std::vector<MarkFile>& marks);

// A stacked input for prediction: float32 [genes, bins, marks].
struct StackedInputs {
  std::size_t genes = 0, bins = 0, marks = 0;
  std::vector<float> data;
};
StackedInputs read_stacked_inputs(const std::filesystem::path& npy);

// Every gene of genes.tsv with the given marks stacked, for scoring without labels (another
// epigenome's bins): the same checks as assemble_training_set; gene_ids in genes.tsv order.
struct StackedGenes {
  std::vector<std::string> marks;
  std::vector<std::string> gene_ids;
  StackedInputs inputs;
};
StackedGenes stack_marks(const std::filesystem::path& genes_tsv, const std::vector<MarkFile>& marks);

}  // namespace achrome
