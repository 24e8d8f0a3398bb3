#pragma once
// Genes from GTF (GENCODE/Ensembl) or GFF3, plain or gzip, with the strand-aware TSS
// (start on '+', end on '-', made 0-based).
//
// TSS rule: with feature "gene" (default) each gene record is one gene. With another feature (e.g.
// "transcript"), records are grouped by gene_id and the gene's TSS is its 5'-most record start (the
// smallest start on '+', the largest end on '-'), which for GENCODE equals the gene record's TSS.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "annotation/genes.hpp"

namespace achrome {

struct GtfOptions {
  std::string feature = "gene";  // column 3 value whose records define genes
};

// GTF (key "value";) and GFF3 (key=value;) attribute syntax are both understood.
std::vector<Gene> read_gtf_genes(const std::filesystem::path& path, const GtfOptions& options);

// Value of an attribute in GTF or GFF3 syntax, or empty if absent.
std::string gtf_attribute(std::string_view attributes, std::string_view key);

}  // namespace achrome
