#include "annotation/annotation_formats.hpp"

#include <algorithm>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "genome/chrom_names.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace achrome {

namespace {

bool is_int(std::string_view field) { return to_int(field).has_value(); }

bool looks_like_gene_info(const std::vector<std::string_view>& f) {
  return f.size() >= 5 && is_int(f[2]) && is_int(f[3]) &&
         (f[4] == "1" || f[4] == "-1" || f[4] == "+" || f[4] == "-") && !is_int(f[0]);
}

bool looks_like_gtf(const std::vector<std::string_view>& f) {
  // Loose on purpose: a GTF line with a broken coordinate should reach the GTF reader, whose error
  // names the line, rather than be called "not an annotation".
  return f.size() >= 9 && (is_int(f[3]) || is_int(f[4]) || f[8].find("gene_id") != std::string_view::npos ||
                           f[8].find("ID=") != std::string_view::npos);
}

bool looks_like_bed(const std::vector<std::string_view>& f) { return f.size() >= 4 && is_int(f[1]) && is_int(f[2]); }

std::vector<Gene> read_gene_info(const std::filesystem::path& path) {
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string_view> f;
  std::vector<Gene> genes;
  while (reader.next(line)) {
    if (line.empty() || line[0] == '#') continue;
    split(line, '\t', f);
    if (f.size() < 5) fail("{}: expected at least 5 tab-separated gene_info columns, found {}", reader.where(), f.size());
    if (genes.empty() && !is_int(f[2])) continue;  // a header line
    Gene gene;
    gene.id = std::string(f[0]);
    if (gene.id.empty()) fail("{}: empty gene_id", reader.where());
    gene.chrom = std::string(f[1]);
    const auto start = parse_int(f[2], reader.where(), "start");
    const auto end = parse_int(f[3], reader.where(), "end");
    if (start < 1 || end < start) fail("{}: invalid interval {}-{}", reader.where(), start, end);
    if (f[4] == "1" || f[4] == "+") {
      gene.strand = Strand::Plus;
    } else if (f[4] == "-1" || f[4] == "-") {
      gene.strand = Strand::Minus;
    } else {
      fail("{}: strand must be 1, -1, + or -, found '{}'", reader.where(), f[4]);
    }
    gene.tss = gene.strand == Strand::Plus ? start - 1 : end - 1;
    gene.type = f.size() > 5 ? std::string(f[5]) : std::string();
    gene.name = f.size() > 6 && !f[6].empty() ? std::string(f[6]) : gene.id;
    genes.push_back(std::move(gene));
  }
  return genes;
}

std::vector<Gene> read_bed_windows(const std::filesystem::path& path, AnnotationReport& report) {
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string_view> f;
  std::vector<Gene> genes;
  while (reader.next(line)) {
    if (line.empty() || line[0] == '#' || line.rfind("track", 0) == 0 || line.rfind("browser", 0) == 0) continue;
    split(line, '\t', f);
    if (f.size() < 4) fail("{}: a window needs 4 columns (chrom start end name), found {}", reader.where(), f.size());
    const auto start = parse_int(f[1], reader.where(), "start");
    const auto end = parse_int(f[2], reader.where(), "end");
    if (start < 0 || end <= start) fail("{}: invalid window {}-{}", reader.where(), start, end);
    if ((end - start) % 2 != 0) fail("{}: window {}-{} has odd length, so no single midpoint TSS", reader.where(), start, end);
    Gene gene;
    gene.chrom = std::string(f[0]);
    // The midpoint is the 1-based TSS coordinate T of the published windows [T - w, T + w).
    gene.tss = start + (end - start) / 2 - 1;  // (start + end) / 2 without overflow
    const auto name = f[3];
    const auto underscore = name.find('_');
    gene.id = std::string(name.substr(0, underscore));
    if (gene.id.empty()) fail("{}: window name '{}' has no gene id (ID or ID_NAME)", reader.where(), name);
    gene.name = underscore == std::string_view::npos ? gene.id : std::string(name.substr(underscore + 1));
    if (f.size() >= 6 && (f[5] == "+" || f[5] == "-")) {
      gene.strand = parse_strand(f[5]);
    } else {
      gene.strand = Strand::Plus;
      ++report.bed_without_strand;
    }
    genes.push_back(std::move(gene));
  }
  return genes;
}

}  // namespace

AnnotationFormat parse_annotation_format(std::string_view name) {
  if (name == "auto") return AnnotationFormat::Auto;
  if (name == "gtf" || name == "gff" || name == "gff2") return AnnotationFormat::Gtf;
  if (name == "gff3") return AnnotationFormat::Gff3;
  if (name == "gene_info") return AnnotationFormat::GeneInfo;
  if (name == "bed") return AnnotationFormat::Bed;
  if (name == "tsv") return AnnotationFormat::Tsv;
  fail("unknown annotation format '{}' (auto, gtf, gff3, gene_info, bed, tsv)", name);
}

const char* annotation_format_name(AnnotationFormat format) {
  switch (format) {
    case AnnotationFormat::Auto: return "auto";
    case AnnotationFormat::Gtf: return "gtf";
    case AnnotationFormat::Gff3: return "gff3";
    case AnnotationFormat::GeneInfo: return "gene_info";
    case AnnotationFormat::Bed: return "bed";
    case AnnotationFormat::Tsv: return "tsv";
  }
  return "?";
}

AnnotationFormat detect_annotation_format(const std::filesystem::path& path) {
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string_view> f;
  bool gff3_pragma = false;
  int data_lines = 0;
  while (reader.next(line) && data_lines < 3) {
    if (line.rfind("##gff-version 3", 0) == 0) gff3_pragma = true;
    if (line.empty() || line[0] == '#') continue;
    ++data_lines;
    split(line, '\t', f);
    if (f.size() >= 5 && f[0] == "gene_id" && f[2] == "chrom" && f[3] == "tss") return AnnotationFormat::Tsv;
    if (looks_like_gtf(f)) return gff3_pragma ? AnnotationFormat::Gff3 : AnnotationFormat::Gtf;
    if (looks_like_gene_info(f)) return AnnotationFormat::GeneInfo;
    if (looks_like_bed(f)) return AnnotationFormat::Bed;
  }
  if (data_lines == 0) fail("{}: empty annotation", path.string());
  fail("{}: not a GTF, GFF3, gene_info table, BED of windows or genes.tsv (use --format to say which)", path.string());
}

std::vector<Gene> read_annotation(const std::filesystem::path& path, AnnotationFormat format, const GtfOptions& gtf,
                                  const AnnotationFilter& filter, AnnotationReport& report) {
  if (format == AnnotationFormat::Auto) format = detect_annotation_format(path);
  report.format = format;
  std::vector<Gene> all;
  switch (format) {
    case AnnotationFormat::Gtf:
    case AnnotationFormat::Gff3: all = read_gtf_genes(path, gtf); break;
    case AnnotationFormat::GeneInfo: all = read_gene_info(path); break;
    case AnnotationFormat::Bed: all = read_bed_windows(path, report); break;
    case AnnotationFormat::Tsv: all = read_genes_tsv(path); break;
    case AnnotationFormat::Auto: break;
  }
  report.records = all.size();
  if (!filter.gene_types.empty() && (format == AnnotationFormat::Bed || format == AnnotationFormat::Tsv))
    fail("{}: gene type filters need a type column, which {} files do not have", path.string(), annotation_format_name(format));

  std::vector<Gene> kept;
  kept.reserve(all.size());
  for (auto& gene : all) {
    if (filter.strip_versions) gene.id = strip_version(gene.id);
    const bool keep = (filter.gene_types.empty() || filter.gene_types.count(gene.type)) &&
                      (filter.chromosomes.empty() || filter.chromosomes.count(gene.chrom)) &&
                      (filter.keep_ids.empty() || filter.keep_ids.count(strip_version(gene.id)));
    if (keep) kept.push_back(std::move(gene)); else ++report.filtered_out;
  }
  if (kept.empty()) fail("{}: no genes left after filtering ({} read)", path.string(), report.records);
  if (filter.keep_every_record) return kept;

  // Duplicate ids are reported all together, since one usually means many (e.g. versions stripped
  // from an annotation that has PAR copies).
  std::unordered_map<std::string, std::size_t> seen;
  std::vector<std::string> duplicates;
  std::vector<Gene> unique;
  unique.reserve(kept.size());
  for (auto& gene : kept) {
    const auto count = ++seen[gene.id];
    if (count == 2) duplicates.push_back(gene.id);
    if (count == 1) unique.push_back(std::move(gene)); else ++report.duplicates_dropped;
  }
  if (!duplicates.empty() && !filter.keep_first_duplicate) {
    std::string examples;
    for (std::size_t i = 0; i < duplicates.size() && i < 5; ++i) examples += (i ? ", " : "") + duplicates[i];
    fail("{}: {} gene ids occur more than once (e.g. {}); filter by --chrom or --gene-type, or keep the first "
         "occurrence with --duplicates first", path.string(), duplicates.size(), examples);
  }
  kept = std::move(unique);
  return kept;
}

void take_strands_from(std::vector<Gene>& genes, const std::string& genes_source, const std::vector<Gene>& annotation,
                       const std::string& annotation_source) {
  // An id may have several records (GENCODE lists pseudoautosomal genes on chrX and chrY under one
  // id): the one at the same TSS counts.
  std::unordered_multimap<std::string, const Gene*> by_id;
  for (const auto& gene : annotation) by_id.emplace(strip_version(gene.id), &gene);
  for (std::size_t row = 0; row < genes.size(); ++row) {
    auto& gene = genes[row];
    const auto [first, last] = by_id.equal_range(strip_version(gene.id));
    if (first == last)
      fail("{}: gene {} ({}, gene {} counting from 1) is not in {}, which --strands takes strands from", genes_source,
           gene.id, gene.name, row + 1, annotation_source);
    const auto same_tss = std::find_if(first, last, [&](const auto& entry) {
      return canonical_chrom(entry.second->chrom) == canonical_chrom(gene.chrom) && entry.second->tss == gene.tss;
    });
    if (same_tss == last)
      fail("{}: gene {} has its TSS at {}:{} but {} puts it at {}:{} (0-based); are they the same release?",
           genes_source, gene.id, gene.chrom, gene.tss, annotation_source, first->second->chrom, first->second->tss);
    gene.strand = same_tss->second->strand;
  }
}

std::set<std::string> read_id_list(const std::filesystem::path& path) {
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string_view> f;
  std::set<std::string> ids;
  while (reader.next(line)) {
    if (line.empty() || line[0] == '#') continue;
    split(line, '\t', f);
    std::string_view id = f[0];
    if (f.size() >= 4 && is_int(f[1]) && is_int(f[2])) id = f[3].substr(0, f[3].find('_'));  // BED name
    if (id == "gene_id") continue;  // header of a genes.tsv
    ids.insert(strip_version(std::string(id)));
  }
  if (ids.empty()) fail("{}: no gene ids", path.string());
  return ids;
}

}  // namespace achrome
