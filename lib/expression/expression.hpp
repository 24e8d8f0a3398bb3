#pragma once
// Expression values per gene for one sample (epigenome), whatever file format they came from.
// Every reader (Roadmap / generic matrix, RSEM, salmon, kallisto, featureCounts, STAR) returns
// this one table, so labelling never depends on the input format.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace achrome {

class ExpressionTable {
 public:
  ExpressionTable() = default;
  ExpressionTable(std::string source, std::string sample) : source_(std::move(source)), sample_(std::move(sample)) {}

  // Ids are stored without their Ensembl version ("ENSG00000000003.10" -> "ENSG00000000003"), so
  // an annotation and a quantification made against different GENCODE releases still match.
  // Throws Error naming 'where' if the unversioned id is already present.
  void add(const std::string& gene_id, double value, const std::string& where);

  // Value for a gene id, versioned or not; nullopt if the table has none.
  std::optional<double> find(const std::string& gene_id) const;

  std::size_t size() const { return values_.size(); }
  const std::string& source() const { return source_; }  // the file it was read from
  const std::string& sample() const { return sample_; }  // the column / epigenome id
  void set_sample(std::string sample) { sample_ = std::move(sample); }

  // What the values are, for the log and the labels JSON: the format read and the value
  // ("FPKM column", "RPKM from counts of column X"), plus remarks worth a warning (transcripts
  // without a gene, ...).
  std::string format;
  std::string value;
  std::vector<std::string> notes;

 private:
  struct Entry {
    double value;
    std::string where;  // first occurrence, for duplicate errors
  };
  std::string source_;
  std::string sample_;
  std::unordered_map<std::string, Entry> values_;
};

enum class ExpressionFormat {
  Auto,           // detect from the first lines (detect_expression_format)
  Matrix,         // gene x sample matrix, TSV or CSV (the Roadmap 57epigenomes.RPKM.pc is one)
  Rsem,           // RSEM rsem-calculate-expression *.genes.results
  Salmon,         // salmon quant.sf / quant.genes.sf
  Kallisto,       // kallisto abundance.tsv
  FeatureCounts,  // featureCounts counts table
  Star,           // STAR --quantMode GeneCounts ReadsPerGene.out.tab
};

// "auto", "matrix" (alias "roadmap"), "rsem", "salmon", "kallisto", "featurecounts", "star";
// Error lists the known names.
ExpressionFormat parse_expression_format(const std::string& name);
const char* expression_format_name(ExpressionFormat format);

// Which format a file is, from its content: featureCounts ('#' program line and/or the header
// "Geneid Chr Start End Strand Length ..."), STAR (first line "N_unmapped" + 3 counts), RSEM
// (header "gene_id transcript_id(s) ..."), salmon (header "Name Length EffectiveLength TPM
// NumReads"), kallisto (header "target_id length eff_length est_counts tpm"), otherwise a
// matrix (first column the id, one column per sample, tab- or comma-separated).
ExpressionFormat detect_expression_format(const std::filesystem::path& path);

// What to read from a file; which fields matter depends on the format.
struct ExpressionOptions {
  ExpressionFormat format = ExpressionFormat::Auto;
  std::string sample;        // epigenome id: the matrix column; picks a featureCounts sample column
  std::string value_column;  // header name that overrides the format's default value column
  std::string value = "auto";  // "auto", "rpkm" or "tpm": which normalised value (see docs/labels.md)
  std::string tx2gene;       // transcript -> gene map (salmon, kallisto): sum per gene
  std::string gene_lengths;  // gene -> length in bp (STAR; overrides featureCounts' Length)
  std::string star_column = "unstranded";  // STAR count column: unstranded, forward, reverse
};

// Reads the values of one sample. Errors (one line, file:line): unknown sample/column (lists the
// available ones), non-numeric or non-finite values, duplicated gene ids, malformed rows.
ExpressionTable read_expression(const std::filesystem::path& path, const ExpressionOptions& options);

// Shorthand for a given format, the sample as the column and default options.
ExpressionTable read_expression(const std::filesystem::path& path, ExpressionFormat format, const std::string& sample);

}  // namespace achrome
