// achrome-simulate: a complete synthetic study in the real formats (the embedded demo data and
// the input of tests and benchmarks), deterministic for a seed.
#include <spdlog/spdlog.h>

#include "simulate/study.hpp"
#include "simulate/writer.hpp"
#include "util/error.hpp"
#include "util/stage.hpp"

int main(int argc, char** argv) {
  achrome::Stage stage(
      "achrome-simulate",
      "Write a synthetic study with planted chromatin-expression biology: genome.chrom.sizes, genes.gtf,\n"
      "expression.tsv (Roadmap RPKM layout), truth.tsv and signal/{eid}/{mark}.bam(+.bai)/.bw.\n"
      "Reads per mark ~ depth x genome size / 100 (2,000 genes ~ 75 Mb; 19,802 genes ~ 750 Mb).\n"
      "The same flags and seed give the same files.");
  auto& app = stage.app();
  achrome::sim::SimulationConfig config;
  std::string out;
  std::vector<std::string> formats = {"bam", "bigwig"};
  app.add_option("-o,--out", out, "Output folder of the study")->required();
  app.add_option("--genes", config.genes, "Number of genes (spread over the chromosomes)")
      ->capture_default_str()
      ->check(achrome::positive());
  app.add_option("--epigenomes", config.epigenomes, "Epigenome ids, comma-separated (column names of expression.tsv)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--marks", config.marks,
                 "Histone marks, comma-separated: H3K27me3, H3K36me3, H3K4me1, H3K4me3, H3K9me3, H3K27ac")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--chromosomes", config.chromosomes, "Number of chromosomes (chr1, chr2, ...)")
      ->capture_default_str()
      ->check(achrome::integer_in(1, 99));
  app.add_option("--seed", config.seed, "Random seed; everything is a function of it and the other flags")
      ->capture_default_str();
  app.add_option("--depth", config.depth,
                 "Background reads per 100 bp per mark (Roadmap ~1; at most 1000); planted signal scales with it")
      ->capture_default_str()
      ->check(achrome::positive());
  app.add_option("--read-length", config.read_length, "Single-end read length in bp")
      ->capture_default_str()
      ->check(achrome::integer_in(10, 1000));
  app.add_option("--formats", formats, "Signal formats to write, comma-separated: bam, bigwig")
      ->delimiter(',')
      ->check(CLI::IsMember({"bam", "bigwig"}))
      ->capture_default_str();

  return stage.run(argc, argv, [&] {
    config.write_bam = config.write_bigwig = false;
    for (const auto& format : formats) (format == "bam" ? config.write_bam : config.write_bigwig) = true;
    achrome::sim::write_study(out, config, stage.threads());
  });
}
