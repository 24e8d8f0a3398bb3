#include "annotation/gtf.hpp"

#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace achrome {

std::string gtf_attribute(std::string_view attributes, std::string_view key) {
  std::size_t pos = 0;
  while (pos < attributes.size()) {
    while (pos < attributes.size() && (attributes[pos] == ' ' || attributes[pos] == ';')) ++pos;
    const auto space = attributes.find(' ', pos);
    if (space == std::string_view::npos) break;
    const auto name = attributes.substr(pos, space - pos);
    auto value_start = space + 1;
    std::size_t value_end;
    if (value_start < attributes.size() && attributes[value_start] == '"') {
      ++value_start;
      value_end = attributes.find('"', value_start);
      if (value_end == std::string_view::npos) value_end = attributes.size();
      pos = value_end + 1;
    } else {
      value_end = attributes.find(';', value_start);
      if (value_end == std::string_view::npos) value_end = attributes.size();
      pos = value_end;
    }
    if (name == key) return std::string(attributes.substr(value_start, value_end - value_start));
  }
  return {};
}

std::vector<Gene> read_gtf_genes(const std::filesystem::path& path, const GtfOptions& options) {
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string_view> fields;
  std::vector<Gene> genes;
  while (reader.next(line)) {
    if (line.empty() || line[0] == '#') continue;
    split(line, '\t', fields);
    if (fields.size() < 9) fail("{}: expected 9 tab-separated GTF columns, found {}", reader.where(), fields.size());
    if (fields[2] != options.feature) continue;
    const std::string chrom(fields[0]);
    if (!options.chromosomes.empty() && !options.chromosomes.count(chrom)) continue;
    if (!options.gene_types.empty()) {
      std::string type = gtf_attribute(fields[8], "gene_type");
      if (type.empty()) type = gtf_attribute(fields[8], "gene_biotype");
      if (!options.gene_types.count(type)) continue;
    }
    const auto start = parse_int(fields[3], reader.where(), "start");
    const auto end = parse_int(fields[4], reader.where(), "end");
    if (start < 1 || end < start) fail("{}: invalid interval {}-{}", reader.where(), start, end);
    if (fields[6] != "+" && fields[6] != "-")
      fail("{}: gene needs a strand '+' or '-' to place its TSS, found '{}'", reader.where(), fields[6]);
    Gene gene;
    gene.id = gtf_attribute(fields[8], "gene_id");
    if (gene.id.empty()) fail("{}: record has no gene_id attribute", reader.where());
    if (options.strip_versions) gene.id = strip_version(gene.id);
    gene.name = gtf_attribute(fields[8], "gene_name");
    if (gene.name.empty()) gene.name = gene.id;
    gene.chrom = chrom;
    gene.strand = parse_strand(fields[6]);
    gene.tss = gene.strand == Strand::Plus ? start - 1 : end - 1;
    genes.push_back(std::move(gene));
  }
  if (genes.empty()) fail("{}: no '{}' records matched", path.string(), options.feature);
  index_genes(genes, path.string());
  return genes;
}

}  // namespace achrome
