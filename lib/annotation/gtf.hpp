#pragma once
// Genes from a GTF (GENCODE/Ensembl, plain or gzip): one Gene per 'gene' record, with the
// strand-aware TSS (start on '+', end on '-', made 0-based).
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "annotation/genes.hpp"

namespace achrome {

struct GtfOptions {
  std::string feature = "gene";          // records of this type (column 3) become genes
  std::set<std::string> gene_types;      // keep only these gene_type/gene_biotype values (empty: all)
  std::set<std::string> chromosomes;     // keep only these chromosomes (empty: all)
  bool strip_versions = false;           // ENSG00000000003.10 -> ENSG00000000003
};

std::vector<Gene> read_gtf_genes(const std::filesystem::path& path, const GtfOptions& options);

// Value of a GTF attribute (key "value";) or empty if absent.
std::string gtf_attribute(std::string_view attributes, std::string_view key);

}  // namespace achrome
