#include "annotation/genes.hpp"

#include <cctype>

#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace achrome {

std::vector<Gene> read_genes_tsv(const std::filesystem::path& path) {
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string_view> fields;
  std::vector<Gene> genes;
  if (!reader.next(line)) fail("{}: empty file (expected header 'gene_id name chrom tss strand')", path.string());
  split(line, '\t', fields);
  if (fields.size() < 5 || fields[0] != "gene_id" || fields[2] != "chrom" || fields[3] != "tss" || fields[4] != "strand")
    fail("{}:1: header must be 'gene_id name chrom tss strand' (tab-separated)", path.string());
  while (reader.next(line)) {
    if (line.empty()) continue;
    split(line, '\t', fields);
    if (fields.size() < 5) fail("{}: expected 5 tab-separated columns, found {}", reader.where(), fields.size());
    Gene gene;
    gene.id = std::string(fields[0]);
    gene.name = std::string(fields[1]);
    gene.chrom = std::string(fields[2]);
    gene.tss = parse_int(fields[3], reader.where(), "tss");
    if (gene.tss < 0) fail("{}: tss must be >= 0, found {}", reader.where(), gene.tss);
    if (fields[4] != "+" && fields[4] != "-") fail("{}: strand must be '+' or '-', found '{}'", reader.where(), fields[4]);
    gene.strand = parse_strand(fields[4]);
    if (gene.id.empty()) fail("{}: empty gene_id", reader.where());
    genes.push_back(std::move(gene));
  }
  if (genes.empty()) fail("{}: no genes", path.string());
  index_genes(genes, path.string());  // rejects duplicate ids
  return genes;
}

void write_genes_tsv(const std::filesystem::path& path, const std::vector<Gene>& genes) {
  AtomicFile out(path);
  auto& stream = out.stream();
  stream << "gene_id\tname\tchrom\ttss\tstrand\n";
  for (const auto& gene : genes)
    stream << gene.id << '\t' << gene.name << '\t' << gene.chrom << '\t' << gene.tss << '\t'
           << static_cast<char>(gene.strand) << '\n';
  out.commit();
}

std::unordered_map<std::string, std::size_t> index_genes(const std::vector<Gene>& genes, const std::string& source) {
  std::unordered_map<std::string, std::size_t> rows;
  rows.reserve(genes.size());
  for (std::size_t i = 0; i < genes.size(); ++i) {
    auto [it, inserted] = rows.emplace(genes[i].id, i);
    if (!inserted) fail("{}: gene_id '{}' appears more than once (rows {} and {})", source, genes[i].id, it->second + 1, i + 1);
  }
  return rows;
}

std::string strip_version(const std::string& id) {
  const auto dot = id.rfind('.');
  if (dot == std::string::npos || dot + 1 == id.size()) return id;
  for (std::size_t i = dot + 1; i < id.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(id[i]))) return id;
  // Keep PAR_Y style suffixes ("ENSG...5_PAR_Y") intact: they are not versions.
  return id.substr(0, dot);
}

}  // namespace achrome
