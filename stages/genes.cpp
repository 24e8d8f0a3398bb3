// achrome-genes: an annotation in, genes.tsv (the study's gene spine) out.
#include <spdlog/spdlog.h>

#include "annotation/genes.hpp"
#include "annotation/gtf.hpp"
#include "util/error.hpp"
#include "util/stage.hpp"

int main(int argc, char** argv) {
  achrome::Stage stage("achrome-genes",
                       "Write genes.tsv (gene_id name chrom tss strand; tss 0-based) from a gene annotation.\n"
                       "The row order of genes.tsv is the row order of every matrix downstream.");
  auto& app = stage.app();
  std::string annotation, out;
  std::string feature = "gene";
  std::vector<std::string> gene_types, chromosomes;
  bool strip_versions = false;
  app.add_option("-a,--annotation", annotation, "GTF (plain or gzip) with 'gene' records")->required()->check(CLI::ExistingFile);
  app.add_option("-o,--out", out, "Output genes.tsv")->required();
  app.add_option("--feature", feature, "GTF feature type whose records are genes")->capture_default_str();
  app.add_option("--gene-type", gene_types, "Keep only genes of this gene_type (repeatable), e.g. protein_coding");
  app.add_option("--chrom", chromosomes, "Keep only genes on this chromosome (repeatable)");
  app.add_flag("--strip-version", strip_versions, "Drop Ensembl version suffixes: ENSG00000000003.10 -> ENSG00000000003");

  return stage.run(argc, argv, [&] {
    achrome::GtfOptions options;
    options.feature = feature;
    options.gene_types = {gene_types.begin(), gene_types.end()};
    options.chromosomes = {chromosomes.begin(), chromosomes.end()};
    options.strip_versions = strip_versions;
    const auto genes = achrome::read_gtf_genes(annotation, options);
    achrome::write_genes_tsv(out, genes);
    spdlog::info("{} genes written to {}", genes.size(), out);
  });
}
