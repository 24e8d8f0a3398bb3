#include "annotation/gtf.hpp"

#include <unordered_map>

#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace achrome {

namespace {

std::string gff3_attribute(std::string_view attributes, std::string_view key) {
  std::size_t pos = 0;
  while (pos < attributes.size()) {
    auto end = attributes.find(';', pos);
    if (end == std::string_view::npos) end = attributes.size();
    const auto item = attributes.substr(pos, end - pos);
    const auto equals = item.find('=');
    if (equals != std::string_view::npos && item.substr(0, equals) == key) return std::string(item.substr(equals + 1));
    pos = end + 1;
  }
  return {};
}

bool is_gff3(std::string_view attributes) {
  const auto equals = attributes.find('=');
  const auto space = attributes.find(' ');
  return equals != std::string_view::npos && (space == std::string_view::npos || equals < space);
}

}  // namespace

std::string gtf_attribute(std::string_view attributes, std::string_view key) {
  if (is_gff3(attributes)) return gff3_attribute(attributes, key);
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
  std::unordered_map<std::string, std::size_t> row_of;  // gene_id -> index, when grouping records
  const bool grouping = options.feature != "gene";
  while (reader.next(line)) {
    if (line.empty() || line[0] == '#') continue;
    split(line, '\t', fields);
    if (fields.size() < 9) fail("{}: expected 9 tab-separated GTF/GFF columns, found {}", reader.where(), fields.size());
    if (fields[2] != options.feature) continue;
    const auto start = parse_int(fields[3], reader.where(), "start");
    const auto end = parse_int(fields[4], reader.where(), "end");
    if (start < 1 || end < start) fail("{}: invalid interval {}-{}", reader.where(), start, end);
    if (fields[6] != "+" && fields[6] != "-")
      fail("{}: a gene needs strand '+' or '-' to place its TSS, found '{}'", reader.where(), fields[6]);
    const auto attributes = fields[8];
    const bool gff3 = is_gff3(attributes);

    Gene gene;
    if (gff3) {
      gene.id = grouping ? gff3_attribute(attributes, "Parent") : gff3_attribute(attributes, "ID");
      if (gene.id.rfind("gene:", 0) == 0) gene.id.erase(0, 5);  // Ensembl GFF3 "ID=gene:ENSG..."
      gene.name = gff3_attribute(attributes, "Name");
      gene.type = gff3_attribute(attributes, "biotype");
      if (gene.type.empty()) gene.type = gff3_attribute(attributes, "gene_type");
    } else {
      gene.id = gtf_attribute(attributes, "gene_id");
      gene.name = gtf_attribute(attributes, "gene_name");
      gene.type = gtf_attribute(attributes, "gene_type");
      if (gene.type.empty()) gene.type = gtf_attribute(attributes, "gene_biotype");
    }
    if (gene.id.empty()) fail("{}: record has no {} attribute", reader.where(), gff3 ? "ID/Parent" : "gene_id");
    if (gene.name.empty()) gene.name = gene.id;
    gene.chrom = std::string(fields[0]);
    gene.strand = parse_strand(fields[6]);
    gene.tss = gene.strand == Strand::Plus ? start - 1 : end - 1;

    if (!grouping) {
      genes.push_back(std::move(gene));
      continue;
    }
    auto [it, inserted] = row_of.emplace(gene.id, genes.size());
    if (inserted) {
      genes.push_back(std::move(gene));
      continue;
    }
    Gene& known = genes[it->second];
    if (known.chrom != gene.chrom || known.strand != gene.strand)
      fail("{}: {} records of gene '{}' disagree on chromosome or strand", reader.where(), options.feature, gene.id);
    known.tss = gene.strand == Strand::Plus ? std::min(known.tss, gene.tss) : std::max(known.tss, gene.tss);
  }
  if (genes.empty()) fail("{}: no '{}' records found", path.string(), options.feature);
  return genes;
}

}  // namespace achrome
