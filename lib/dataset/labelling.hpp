#pragma once
// From expression values to the binary labels of AttentiveChrome. The paper's rule is the default:
// a gene is ON (1) when its value is above the epigenome's median over the labelled genes, OFF (0)
// otherwise, and the train/valid/test split cuts genes.tsv order in the published proportions
// 6601/6601/6600 (of 19,802). A quantile or a fixed value as threshold, and splits by held-out
// chromosomes or at random (seeded, identical on every platform), are the options.
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "annotation/genes.hpp"
#include "dataset/labels.hpp"
#include "expression/expression.hpp"

namespace achrome {

// label = value > threshold, where the threshold is the median (numpy.median), the Q quantile
// (numpy.quantile, method 'linear'), or a fixed value.
struct ThresholdRule {
  enum class Kind { Median, Quantile, Value };
  Kind kind = Kind::Median;
  double parameter = 0;  // Q for Quantile, X for Value
  std::string text() const;  // "median", "quantile:0.75", "value:1.5"
};
// "median", "quantile:Q" (0 <= Q <= 1), "value:X"; Error otherwise.
ThresholdRule parse_threshold(const std::string& text);

struct SplitRule {
  enum class Kind { Paper, Chromosome, Random, File };
  Kind kind = Kind::Paper;
  // File: the split of each gene as a table with 'gene_id' and 'split' columns (a labels.tsv works,
  // so does the published split in config/data/roadmap/); every labelled gene must be in it.
  std::filesystem::path file;
  std::vector<std::string> valid_chroms, test_chroms;  // Chromosome: held out; the rest is train
  std::uint64_t seed = 0;                              // Random
  std::optional<std::array<double, 2>> fractions;      // Random: train, valid (test = the rest)
  std::string name() const;                            // "paper", "chromosome", "random", "file"
};
// "paper", "chromosome", "random", "file"; Error otherwise.
SplitRule::Kind parse_split_kind(const std::string& text);

struct LabellingOptions {
  ThresholdRule threshold;
  SplitRule split;
};

struct SplitCounts {
  std::size_t genes = 0;
  std::size_t positives = 0;
  std::size_t negatives = 0;
};

struct LabellingSummary {
  std::string epigenome;
  std::string method = "median";  // the threshold kind: median, quantile, value
  std::string threshold_rule = "median";
  double threshold = 0;  // label = value > threshold
  std::size_t genes_labelled = 0;
  std::size_t genes_dropped = 0;  // genes of genes.tsv without an expression value
  std::size_t positives = 0;
  std::size_t negatives = 0;
  std::array<SplitCounts, 3> splits{};  // indexed by Split
  SplitRule split;
  std::string source, format, value;  // where the values came from (ExpressionTable)
  std::vector<std::string> dropped_examples;  // the first few dropped ids, for the log and the JSON
};

struct Labelling {
  std::vector<LabelRow> rows;  // genes.tsv order, genes without a value absent
  LabellingSummary summary;
};

// numpy.median: the middle value, or the mean of the two middle values for an even count.
double median(std::vector<double> values);
// numpy.quantile(values, q) with the default method 'linear', to the last bit.
double quantile_linear(std::vector<double> values, double q);

// Sizes of train, valid, test for n genes: round(n * 6601 / 19802) each for train and valid, the
// rest test (exactly 6601/6601/6600 for the published 19,802).
std::array<std::size_t, 3> split_sizes(std::size_t genes);

// A platform-independent permutation of 0..n-1: Fisher-Yates driven by std::mt19937_64 (whose
// output the standard fixes) with an unbiased bounded integer of our own, because std::shuffle
// and std::uniform_int_distribution differ between standard libraries.
std::vector<std::size_t> seeded_permutation(std::size_t n, std::uint64_t seed);

// Labels the genes that have a value. Errors if no gene has one, if the labels would be a single
// class (nothing could be learned from them), or if a named held-out chromosome has no gene.
Labelling label_genes(const std::vector<Gene>& genes, const ExpressionTable& expression,
                      const LabellingOptions& options);
// The paper's rule: median threshold, paper split.
Labelling label_by_median(const std::vector<Gene>& genes, const ExpressionTable& expression);

// labels/{eid}.json: threshold, method, counts, class balance overall and per split, the split
// rule, the value source. Written atomically.
void write_labelling_summary(const std::filesystem::path& path, const LabellingSummary& summary);

}  // namespace achrome
