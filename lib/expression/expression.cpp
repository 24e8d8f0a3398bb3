#include "expression/expression.hpp"

#include "annotation/genes.hpp"
#include "expression/quantification.hpp"
#include "expression/roadmap_matrix.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"

namespace achrome {

void ExpressionTable::add(const std::string& gene_id, double value, const std::string& where) {
  auto [it, inserted] = values_.try_emplace(strip_version(gene_id), Entry{value, where});
  if (!inserted)
    fail("{}: gene id '{}' repeats (first at {}; ids are compared without their version suffix)", where, gene_id,
         it->second.where);
}

std::optional<double> ExpressionTable::find(const std::string& gene_id) const {
  auto it = values_.find(strip_version(gene_id));
  if (it == values_.end()) return std::nullopt;
  return it->second.value;
}

ExpressionFormat parse_expression_format(const std::string& name) {
  if (name == "auto") return ExpressionFormat::Auto;
  if (name == "roadmap" || name == "matrix") return ExpressionFormat::Matrix;
  if (name == "rsem") return ExpressionFormat::Rsem;
  if (name == "salmon") return ExpressionFormat::Salmon;
  if (name == "kallisto") return ExpressionFormat::Kallisto;
  if (name == "featurecounts") return ExpressionFormat::FeatureCounts;
  if (name == "star") return ExpressionFormat::Star;
  fail("unknown expression format '{}' (known: auto, matrix (= roadmap), rsem, salmon, kallisto, featurecounts, star)",
       name);
}

const char* expression_format_name(ExpressionFormat format) {
  switch (format) {
    case ExpressionFormat::Auto: return "auto";
    case ExpressionFormat::Matrix: return "matrix";
    case ExpressionFormat::Rsem: return "rsem";
    case ExpressionFormat::Salmon: return "salmon";
    case ExpressionFormat::Kallisto: return "kallisto";
    case ExpressionFormat::FeatureCounts: return "featurecounts";
    case ExpressionFormat::Star: return "star";
  }
  return "?";
}

namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

}  // namespace

ExpressionFormat detect_expression_format(const std::filesystem::path& path) {
  LineReader reader(path.string());
  std::string_view line;
  bool program_line = false;
  // featureCounts starts with "# Program:featureCounts ..."; skip comment lines to its header.
  do {
    if (!reader.next(line)) fail("{}: empty file; cannot tell its format", reader.path());
    if (!line.empty() && line.front() == '#') program_line = true;
  } while (line.empty() || line.front() == '#');
  if (starts_with(line, "Geneid\tChr\tStart\tEnd\tStrand\tLength")) return ExpressionFormat::FeatureCounts;
  if (program_line)
    fail("{}: starts with '#' lines but the header '{}' is not featureCounts' 'Geneid Chr Start End Strand Length'; "
         "give --format",
         reader.where(), line.substr(0, 60));
  if (starts_with(line, "N_unmapped\t")) return ExpressionFormat::Star;
  if (starts_with(line, "gene_id\ttranscript_id(s)\t")) return ExpressionFormat::Rsem;
  if (starts_with(line, "Name\tLength\tEffectiveLength\tTPM\tNumReads")) return ExpressionFormat::Salmon;
  if (starts_with(line, "target_id\tlength\teff_length\test_counts\ttpm")) return ExpressionFormat::Kallisto;
  if (line.find('\t') != std::string_view::npos || line.find(',') != std::string_view::npos)
    return ExpressionFormat::Matrix;
  fail("{}: cannot tell the format from the first line '{}' (not tab- or comma-separated); give --format",
       reader.where(), line.substr(0, 60));
}

ExpressionTable read_expression(const std::filesystem::path& path, const ExpressionOptions& options) {
  const auto format = options.format == ExpressionFormat::Auto ? detect_expression_format(path) : options.format;
  if (!options.gene_lengths.empty() && format != ExpressionFormat::FeatureCounts && format != ExpressionFormat::Star)
    fail("{}: --gene-lengths applies to featureCounts and STAR counts, not to {} files", path.string(),
         expression_format_name(format));
  switch (format) {
    case ExpressionFormat::Matrix: {
      if (options.value != "auto")
        fail("{}: --value {} does not apply to a matrix (its values are used as they are)", path.string(),
             options.value);
      if (!options.tx2gene.empty()) fail("{}: --tx2gene does not apply to a matrix", path.string());
      const auto& column = options.value_column.empty() ? options.sample : options.value_column;
      auto table = read_roadmap_matrix(path, column);
      // Labelled under the epigenome's name, whatever the column is called.
      if (!options.sample.empty()) table.set_sample(options.sample);
      return table;
    }
    case ExpressionFormat::Rsem: return read_rsem_genes(path, options);
    case ExpressionFormat::Salmon: return read_salmon_quant(path, options);
    case ExpressionFormat::Kallisto: return read_kallisto_abundance(path, options);
    case ExpressionFormat::FeatureCounts: return read_featurecounts(path, options);
    case ExpressionFormat::Star: return read_star_gene_counts(path, options);
    case ExpressionFormat::Auto: break;
  }
  fail("{}: unsupported expression format", path.string());
}

ExpressionTable read_expression(const std::filesystem::path& path, ExpressionFormat format, const std::string& sample) {
  ExpressionOptions options;
  options.format = format;
  options.sample = sample;
  return read_expression(path, options);
}

}  // namespace achrome
