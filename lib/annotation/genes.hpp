#pragma once
// genes.tsv, the spine of a study: one row per gene, in the fixed order that every matrix
// ([genes, bins] .npy) and every label file follows. Columns: gene_id name chrom tss strand,
// tss = 0-based position of the TSS base.
#include <cstdint>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

#include "genome/window.hpp"

namespace achrome {

struct Gene {
  std::string id;
  std::string name;
  std::string chrom;
  std::int64_t tss = 0;  // 0-based
  Strand strand = Strand::Plus;
  std::string type;  // biotype when the annotation has one (used by filters; not in genes.tsv)
};

std::vector<Gene> read_genes_tsv(const std::filesystem::path& path);
void write_genes_tsv(const std::filesystem::path& path, const std::vector<Gene>& genes);  // atomic

// gene_id -> row; throws Error naming the file if an id repeats.
std::unordered_map<std::string, std::size_t> index_genes(const std::vector<Gene>& genes, const std::string& source);

// "ENSG00000000003.10" -> "ENSG00000000003"; ids without a numeric version suffix are unchanged.
std::string strip_version(const std::string& id);

}  // namespace achrome
