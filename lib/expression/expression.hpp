#pragma once
// Expression values per gene for one sample (epigenome), whatever file format they came from.
// Every reader (Roadmap RPKM matrix now; RSEM, salmon, featureCounts later) returns this one table,
// so labelling never depends on the input format.
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

 private:
  struct Entry {
    double value;
    std::string where;  // first occurrence, for duplicate errors
  };
  std::string source_;
  std::string sample_;
  std::unordered_map<std::string, Entry> values_;
};

// Input layouts. Only the Roadmap matrix exists today; the enum is where RSEM / salmon /
// featureCounts readers join (issue 4).
enum class ExpressionFormat { RoadmapMatrix };
ExpressionFormat parse_expression_format(const std::string& name);  // "roadmap"; Error lists the known names

// Reads the values of one sample from a file of the given format.
ExpressionTable read_expression(const std::filesystem::path& path, ExpressionFormat format, const std::string& sample);

}  // namespace achrome
