#pragma once
// From expression values to the binary labels of AttentiveChrome: a gene is ON (1) when its value
// is above the epigenome's median over the labelled genes, OFF (0) otherwise, and the train/valid/
// test split cuts genes.tsv order in the published proportions 6601/6601/6600 (of 19,802).
#include <array>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "annotation/genes.hpp"
#include "dataset/labels.hpp"
#include "expression/expression.hpp"

namespace achrome {

struct SplitCounts {
  std::size_t genes = 0;
  std::size_t positives = 0;
  std::size_t negatives = 0;
};

struct LabellingSummary {
  std::string epigenome;
  std::string method = "median";
  double threshold = 0;  // label = value > threshold
  std::size_t genes_labelled = 0;
  std::size_t genes_dropped = 0;  // genes of genes.tsv without an expression value
  std::size_t positives = 0;
  std::size_t negatives = 0;
  std::array<SplitCounts, 3> splits{};  // indexed by Split
  std::vector<std::string> dropped_examples;  // the first few dropped ids, for the log and the JSON
};

struct Labelling {
  std::vector<LabelRow> rows;  // genes.tsv order, genes without a value absent
  LabellingSummary summary;
};

// numpy.median: the middle value, or the mean of the two middle values for an even count.
double median(std::vector<double> values);

// Sizes of train, valid, test for n genes: round(n * 6601 / 19802) each for train and valid, the
// rest test (exactly 6601/6601/6600 for the published 19,802).
std::array<std::size_t, 3> split_sizes(std::size_t genes);

// Labels the genes that have a value. Errors if no gene has one, or if the labels would be a
// single class (every value equal to the median), since nothing could be learned from them.
Labelling label_by_median(const std::vector<Gene>& genes, const ExpressionTable& expression);

// labels/{eid}.json: threshold, method, counts, per-split class balance. Written atomically.
void write_labelling_summary(const std::filesystem::path& path, const LabellingSummary& summary);

}  // namespace achrome
