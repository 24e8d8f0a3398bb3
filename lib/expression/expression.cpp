#include "expression/expression.hpp"

#include "annotation/genes.hpp"
#include "expression/roadmap_matrix.hpp"
#include "util/error.hpp"

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
  if (name == "roadmap" || name == "matrix") return ExpressionFormat::RoadmapMatrix;
  fail("unknown expression format '{}' (known: roadmap)", name);
}

ExpressionTable read_expression(const std::filesystem::path& path, ExpressionFormat format, const std::string& sample) {
  switch (format) {
    case ExpressionFormat::RoadmapMatrix: return read_roadmap_matrix(path, sample);
  }
  fail("{}: unsupported expression format", path.string());
}

}  // namespace achrome
