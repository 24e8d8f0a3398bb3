#pragma once
// Every annotation achrome-genes understands, read into the same Gene list:
//   gtf       GTF/GFF2 'gene' records (GENCODE, Ensembl), or TSS from transcripts (see GtfOptions)
//   gff3      GFF3 'gene' records (ID=/Name=/biotype= attributes)
//   gene_info the Roadmap Ensembl_v65.Gencode_v10.ENSG.gene_info table:
//             gene_id chrom start end strand(1/-1) type name [description], 1-based coordinates
//   bed       gene windows (e.g. the published deepchrome.gene_windows.bed): chrom start end ID[_NAME]
//             [score strand]; the TSS is the window midpoint (the 1-based TSS coordinate)
//   tsv       a genes.tsv (gene_id name chrom tss strand)
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "annotation/genes.hpp"
#include "annotation/gtf.hpp"

namespace achrome {

enum class AnnotationFormat { Auto, Gtf, Gff3, GeneInfo, Bed, Tsv };
AnnotationFormat parse_annotation_format(std::string_view name);
const char* annotation_format_name(AnnotationFormat format);

// Looks at the first data lines (not the file name) to tell the formats apart.
AnnotationFormat detect_annotation_format(const std::filesystem::path& path);

struct AnnotationFilter {
  std::set<std::string> gene_types;    // empty: all (needs a type column: gtf, gff3, gene_info)
  std::set<std::string> chromosomes;   // empty: all
  std::set<std::string> keep_ids;      // empty: all; compared without version suffixes
  bool strip_versions = false;
  // A gene id seen twice is an error by default; keep_first drops later occurrences (counted in the
  // report). The published window file itself lists 7 Ensembl ids twice, under two symbols.
  bool keep_first_duplicate = false;
  // Every record, repeated ids included: for an annotation that is only looked up (--strands), not
  // a gene list.
  bool keep_every_record = false;
};

struct AnnotationReport {
  AnnotationFormat format = AnnotationFormat::Auto;
  std::size_t records = 0;        // gene records read
  std::size_t filtered_out = 0;   // dropped by type/chromosome/id filters
  std::size_t bed_without_strand = 0;
  std::size_t duplicates_dropped = 0;
};

std::vector<Gene> read_annotation(const std::filesystem::path& path, AnnotationFormat format,
                                  const GtfOptions& gtf, const AnnotationFilter& filter, AnnotationReport& report);

// Sets every gene's strand from another annotation of the same genes (the published window file has
// no strand column; GENCODE v10's GTF has them), matched by id without version. The two must agree
// on chromosome and TSS, so a window file and an annotation of another release cannot be mixed
// silently. Errors name the gene and both files.
void take_strands_from(std::vector<Gene>& genes, const std::string& genes_source, const std::vector<Gene>& annotation,
                       const std::string& annotation_source);

// Ids from a file's first column (BED: the name column, up to the first '_'), versions stripped.
std::set<std::string> read_id_list(const std::filesystem::path& path);

}  // namespace achrome
