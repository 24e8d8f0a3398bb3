// achrome-genes: an annotation in, genes.tsv (the study's gene spine) out.
#include <algorithm>

#include <spdlog/spdlog.h>

#include "annotation/annotation_formats.hpp"
#include "annotation/genes.hpp"
#include "util/error.hpp"
#include "util/stage.hpp"

int main(int argc, char** argv) {
  achrome::Stage stage(
      "achrome-genes",
      "Write genes.tsv (gene_id name chrom tss strand; tss = 0-based TSS base) from a gene annotation.\n"
      "The row order of genes.tsv is the row order of every matrix downstream.\n\n"
      "Annotations (detected from content; --format to force):\n"
      "  gtf        GTF/GFF2 gene records (GENCODE, Ensembl); TSS = start on '+', end on '-'\n"
      "  gff3       GFF3 gene records (ID=, Name=, biotype=)\n"
      "  gene_info  Roadmap Ensembl_v65.Gencode_v10.ENSG.gene_info: id chrom start end strand(1/-1) type name\n"
      "  bed        windows centred on the TSS, e.g. deepchrome.gene_windows.bed (ID_NAME names); TSS =\n"
      "             midpoint; strand from column 6 if present, else '+'\n"
      "  tsv        an existing genes.tsv (to filter or re-check it)");
  auto& app = stage.app();
  std::string annotation, out, format = "auto", keep_ids_file;
  std::string feature = "gene";
  std::vector<std::string> gene_types, chromosomes;
  bool strip_versions = false;
  std::string duplicates = "error";
  std::string strands_from;
  app.add_option("-a,--annotation", annotation, "Annotation file (plain or gzip)")->required();
  app.add_option("-o,--out", out, "Output genes.tsv")->required();
  app.add_option("--format", format, "auto, gtf, gff3, gene_info, bed or tsv")->capture_default_str();
  app.add_option("--feature", feature,
                 "GTF/GFF feature whose records define genes; another feature (e.g. transcript) groups records by "
                 "gene and takes the 5'-most start as the TSS")
      ->capture_default_str();
  app.add_option("--gene-type", gene_types, "Keep only genes of this type (repeatable), e.g. protein_coding");
  app.add_option("--chrom", chromosomes, "Keep only genes on this chromosome (repeatable)");
  app.add_option("--keep-ids", keep_ids_file,
                 "Keep only genes listed in this file (first column, or a BED's ID_NAME name; versions ignored); "
                 "genes.tsv order stays the annotation's");
  app.add_option("--duplicates", duplicates,
                 "A gene id seen twice: 'error', or 'first' to keep the first occurrence and drop the others")
      ->check(CLI::IsMember({"error", "first"}))
      ->capture_default_str();
  app.add_option("--strands", strands_from,
                 "Take each gene's strand from this annotation (GTF, GFF3, gene_info, genes.tsv; matched by id "
                 "without version, TSS checked), for BED windows that have none, e.g. the published window file "
                 "with GENCODE v10");
  app.add_flag("--strip-version", strip_versions, "Drop Ensembl version suffixes: ENSG00000000003.10 -> ENSG00000000003");

  return stage.run(argc, argv, [&] {
    achrome::refuse_outputs_over_inputs(
        {{"--annotation", annotation}, {"--keep-ids", keep_ids_file}, {"--strands", strands_from}}, {{"--out", out}});
    achrome::GtfOptions gtf;
    gtf.feature = feature;
    achrome::AnnotationFilter filter;
    filter.gene_types = {gene_types.begin(), gene_types.end()};
    filter.chromosomes = {chromosomes.begin(), chromosomes.end()};
    filter.strip_versions = strip_versions;
    filter.keep_first_duplicate = duplicates == "first";
    if (!keep_ids_file.empty()) filter.keep_ids = achrome::read_id_list(keep_ids_file);
    achrome::AnnotationReport report;
    auto genes = achrome::read_annotation(annotation, achrome::parse_annotation_format(format), gtf, filter, report);
    if (!strands_from.empty()) {
      achrome::AnnotationReport strand_report;
      achrome::AnnotationFilter every_record;
      every_record.keep_every_record = true;
      const auto strand_source =
          achrome::read_annotation(strands_from, achrome::AnnotationFormat::Auto, gtf, every_record, strand_report);
      achrome::take_strands_from(genes, annotation, strand_source, strands_from);
      const auto minus = std::count_if(genes.begin(), genes.end(),
                                       [](const achrome::Gene& g) { return g.strand == achrome::Strand::Minus; });
      spdlog::info("strands from {}: {} of {} genes on '-'", strands_from, minus, genes.size());
    } else if (report.bed_without_strand > 0)
      spdlog::warn("{}: {} windows have no strand column; taken as '+' (matters only for --orientation transcript "
                   "and asymmetric windows)", annotation, report.bed_without_strand);
    if (report.duplicates_dropped > 0)
      spdlog::warn("{}: {} records with an already seen gene id dropped (--duplicates first)", annotation,
                   report.duplicates_dropped);
    if (!filter.keep_ids.empty() && genes.size() < filter.keep_ids.size())
      spdlog::warn("{} of the {} ids in {} are not in the annotation", filter.keep_ids.size() - genes.size(),
                   filter.keep_ids.size(), keep_ids_file);
    achrome::write_genes_tsv(out, genes);
    spdlog::info("{}: {} annotation, {} records, {} filtered out, {} genes written to {}", annotation,
                 achrome::annotation_format_name(report.format), report.records, report.filtered_out, genes.size(), out);
  });
}
