#include "dataset/labelling.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace achrome {

double median(std::vector<double> values) {
  if (values.empty()) fail("median of no values");
  const std::size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle), values.end());
  const double upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  const double lower = *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle));
  return (lower + upper) / 2.0;
}

std::array<std::size_t, 3> split_sizes(std::size_t genes) {
  // round(n * 6601 / 19802), halves rounded up, in integers so that 19,802 gives 6601 exactly.
  constexpr std::size_t part = 6601, whole = 19802;
  const std::size_t first = (2 * genes * part + whole) / (2 * whole);
  const std::size_t train = std::min(first, genes);
  const std::size_t valid = std::min(first, genes - train);
  return {train, valid, genes - train - valid};
}

Labelling label_by_median(const std::vector<Gene>& genes, const ExpressionTable& expression) {
  Labelling result;
  auto& summary = result.summary;
  summary.epigenome = expression.sample();
  std::vector<double> values;
  values.reserve(genes.size());
  for (const auto& gene : genes) {
    if (auto value = expression.find(gene.id)) {
      LabelRow row;
      row.gene_id = gene.id;
      row.value = *value;
      result.rows.push_back(std::move(row));
      values.push_back(*value);
    } else {
      ++summary.genes_dropped;
      if (summary.dropped_examples.size() < 10) summary.dropped_examples.push_back(gene.id);
    }
  }
  if (result.rows.empty())
    fail("{}: none of the {} genes has a value in column {} (are the gene ids of the same kind?)", expression.source(),
         genes.size(), expression.sample());

  summary.threshold = median(values);
  summary.genes_labelled = result.rows.size();
  const auto sizes = split_sizes(result.rows.size());
  std::size_t row_index = 0;
  for (int s = 0; s < 3; ++s)
    for (std::size_t k = 0; k < sizes[s]; ++k, ++row_index) {
      auto& row = result.rows[row_index];
      row.split = static_cast<Split>(s);
      row.label = row.value > summary.threshold ? 1 : 0;
      auto& counts = summary.splits[s];
      ++counts.genes;
      if (row.label == 1) ++counts.positives; else ++counts.negatives;
    }
  for (const auto& counts : summary.splits) {
    summary.positives += counts.positives;
    summary.negatives += counts.negatives;
  }
  if (summary.positives == 0)
    fail("{}: column {}: no gene is above the median {} ({} genes); the labels would be one class",
         expression.source(), expression.sample(), summary.threshold, summary.genes_labelled);
  return result;
}

void write_labelling_summary(const std::filesystem::path& path, const LabellingSummary& summary) {
  nlohmann::ordered_json json;
  json["epigenome"] = summary.epigenome;
  json["method"] = summary.method;
  json["threshold"] = summary.threshold;
  json["genes_labelled"] = summary.genes_labelled;
  json["genes_dropped"] = summary.genes_dropped;
  json["positives"] = summary.positives;
  json["negatives"] = summary.negatives;
  for (int s = 0; s < 3; ++s) {
    const auto& counts = summary.splits[s];
    json["splits"][split_name(static_cast<Split>(s))] = {
        {"genes", counts.genes}, {"positives", counts.positives}, {"negatives", counts.negatives}};
  }
  json["dropped_examples"] = summary.dropped_examples;
  write_file_atomic(path, json.dump(2) + "\n");
}

}  // namespace achrome
