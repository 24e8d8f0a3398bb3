#include "dataset/study.hpp"

#include <cmath>
#include <set>

#include "annotation/genes.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/npy.hpp"

namespace achrome {

namespace {

// read_labels_tsv does not keep line numbers; an error is rare, so find the line again then.
std::string label_location(const std::filesystem::path& labels_tsv, const std::string& gene_id) {
  LineReader reader(labels_tsv.string());
  std::string_view line;
  while (reader.next(line)) {
    if (line.substr(0, line.find('\t')) == gene_id) return reader.where();
  }
  return labels_tsv.string();
}

}  // namespace

MarkFile parse_mark_spec(const std::string& spec) {
  const auto equals = spec.find('=');
  if (equals == std::string::npos || equals == 0 || equals + 1 == spec.size())
    fail("--mark '{}': expected MARK=FILE.npy, e.g. H3K4me3=bins/E003/H3K4me3.npy", spec);
  return {spec.substr(0, equals), spec.substr(equals + 1)};
}

std::vector<std::size_t> TrainingSet::rows(Split split) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < splits.size(); ++i)
    if (splits[i] == split) out.push_back(i);
  return out;
}

namespace {

// The [genes, bins] matrix of every mark, checked against genes.tsv and each other.
std::vector<NpyArray> load_mark_matrices(const std::filesystem::path& genes_tsv, std::size_t genes,
                                         const std::vector<MarkFile>& marks, std::vector<std::string>& names,
                                         std::size_t& bins) {
  if (marks.empty()) fail("no marks given");
  std::set<std::string> seen_marks;
  std::vector<NpyArray> matrices;
  for (const auto& mark : marks) {
    if (!seen_marks.insert(mark.mark).second) fail("mark {} is given twice", mark.mark);
    names.push_back(mark.mark);
    auto matrix = read_npy(mark.path);
    if (matrix.shape.size() != 2)
      fail("{}: expected a [genes, bins] matrix, found {} dimensions", mark.path.string(), matrix.shape.size());
    if (matrix.dim(0) != genes)
      fail("{}: {} rows, but {} has {} genes (every matrix follows genes.tsv row order)", mark.path.string(),
           matrix.dim(0), genes_tsv.string(), genes);
    if (matrices.empty()) {
      bins = matrix.dim(1);
      if (bins == 0) fail("{}: zero bins", mark.path.string());
    } else if (matrix.dim(1) != bins) {
      fail("{}: {} bins, but {} has {}", mark.path.string(), matrix.dim(1), marks.front().path.string(), bins);
    }
    matrices.push_back(std::move(matrix));
  }
  return matrices;
}

// Copies gene `row` of every matrix into gene_input [bins, marks]; a NaN would silently poison every
// gradient (binning writes 0 for no data by default), so it is an error.
void stack_gene(const std::vector<NpyArray>& matrices, const std::vector<MarkFile>& marks, std::size_t row,
                const std::string& gene_id, std::size_t bins, float* gene_input) {
  const std::size_t n_marks = matrices.size();
  for (std::size_t m = 0; m < n_marks; ++m) {
    const float* source = matrices[m].data.data() + row * bins;
    for (std::size_t b = 0; b < bins; ++b) {
      if (!std::isfinite(source[b]))
        fail("{}: gene {} ({}), bin {}: {} is not finite", marks[m].path.string(), row + 1, gene_id, b + 1, source[b]);
      gene_input[b * n_marks + m] = source[b];
    }
  }
}

}  // namespace

StackedGenes stack_marks(const std::filesystem::path& genes_tsv, const std::vector<MarkFile>& marks) {
  const auto genes = read_genes_tsv(genes_tsv);
  StackedGenes stacked;
  auto& inputs = stacked.inputs;
  const auto matrices = load_mark_matrices(genes_tsv, genes.size(), marks, stacked.marks, inputs.bins);
  inputs.genes = genes.size();
  inputs.marks = marks.size();
  inputs.data.resize(inputs.genes * inputs.bins * inputs.marks);
  for (std::size_t g = 0; g < genes.size(); ++g) {
    stacked.gene_ids.push_back(genes[g].id);
    stack_gene(matrices, marks, g, genes[g].id, inputs.bins, inputs.data.data() + g * inputs.bins * inputs.marks);
  }
  return stacked;
}

TrainingSet assemble_training_set(const std::filesystem::path& genes_tsv, const std::filesystem::path& labels_tsv,
                                  const std::vector<MarkFile>& marks) {
  const auto genes = read_genes_tsv(genes_tsv);
  const auto gene_rows = index_genes(genes, genes_tsv.string());

  TrainingSet set;
  const auto matrices = load_mark_matrices(genes_tsv, genes.size(), marks, set.marks, set.bins);

  const auto labels = read_labels_tsv(labels_tsv);
  const std::size_t n_marks = marks.size();
  set.inputs.resize(labels.size() * set.bins * n_marks);
  std::set<std::string> labelled;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto& row = labels[i];
    const auto found = gene_rows.find(row.gene_id);
    if (found == gene_rows.end())
      fail("{}: gene '{}' is not in {}", label_location(labels_tsv, row.gene_id), row.gene_id, genes_tsv.string());
    if (!labelled.insert(row.gene_id).second)
      fail("{}: gene '{}' is labelled twice", label_location(labels_tsv, row.gene_id), row.gene_id);
    set.gene_ids.push_back(row.gene_id);
    set.labels.push_back(row.label);
    set.values.push_back(row.value);
    set.splits.push_back(row.split);
    stack_gene(matrices, marks, found->second, row.gene_id, set.bins, set.inputs.data() + i * set.bins * n_marks);
  }
  return set;
}

StackedInputs read_stacked_inputs(const std::filesystem::path& npy) {
  auto array = read_npy(npy);
  if (array.shape.size() != 3)
    fail("{}: expected a stacked input [genes, bins, marks], found {} dimensions", npy.string(), array.shape.size());
  StackedInputs inputs;
  inputs.genes = array.dim(0);
  inputs.bins = array.dim(1);
  inputs.marks = array.dim(2);
  for (std::size_t i = 0; i < array.data.size(); ++i)
    if (!std::isfinite(array.data[i]))
      fail("{}: gene {}, bin {}, mark {}: {} is not finite", npy.string(), i / (inputs.bins * inputs.marks) + 1,
           i / inputs.marks % inputs.bins + 1, i % inputs.marks + 1, array.data[i]);
  inputs.data = std::move(array.data);
  return inputs;
}

}  // namespace achrome
