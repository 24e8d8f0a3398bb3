// achrome-label: genes.tsv + an expression file -> labels/{eid}.tsv (gene_id value label split)
// and labels/{eid}.json (threshold, class balance, split rule, value source).
#include <filesystem>

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "annotation/genes.hpp"
#include "dataset/labelling.hpp"
#include "expression/expression.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/stage.hpp"

int main(int argc, char** argv) {
  achrome::Stage stage(
      "achrome-label",
      "Label each gene of genes.tsv ON (1) or OFF (0) in one epigenome from its RNA-seq quantification, and\n"
      "assign it to train/valid/test. Genes without a value are dropped and counted in the log. Details:\n"
      "docs/labels.md.\n\n"
      "Expression formats (detected from content; --format to force):\n"
      "  matrix         gene x sample table, TSV or CSV, first column the gene id, the column named by\n"
      "                 --epigenome (Roadmap 57epigenomes.RPKM.pc.gz is one; alias 'roadmap')\n"
      "  rsem           RSEM *.genes.results (gene_id transcript_id(s) ... TPM FPKM): FPKM (--value tpm: TPM)\n"
      "  salmon         quant.sf (Name Length EffectiveLength TPM NumReads): TPM\n"
      "  kallisto       abundance.tsv (target_id length eff_length est_counts tpm): tpm\n"
      "                 salmon/kallisto transcripts are summed per gene with --tx2gene (or the gene field of\n"
      "                 GENCODE 'ENST|ENSG|...' names); without either the ids must be gene ids\n"
      "  featurecounts  featureCounts table ('# Program' line, Geneid Chr Start End Strand Length <samples>):\n"
      "                 counts -> RPKM = count * 1e9 / (Length * sample total) (--value tpm: TPM)\n"
      "  star           STAR ReadsPerGene.out.tab: --star-column counts -> RPKM/TPM with --gene-lengths\n"
      "Thresholds (label 1 iff value > threshold):\n"
      "  median (default, the paper), quantile:Q (numpy 'linear' quantile, 0 <= Q <= 1), value:X\n"
      "Splits (rows stay in genes.tsv order):\n"
      "  paper (default)  genes.tsv order cut 6601/6601/6600 of 19,802, proportionally for other counts\n"
      "  chromosome       genes on --valid-chroms are valid, on --test-chroms test, the rest train\n"
      "  random           seeded shuffle (--seed; --fractions TRAIN,VALID, default the paper proportions);\n"
      "                   the same seed gives the same split on every platform");
  auto& app = stage.app();
  std::string genes_path, expression_path, epigenome, out, summary_path;
  std::string format = "auto", threshold = "median", split = "paper", split_file;
  std::vector<std::string> valid_chroms, test_chroms;
  std::vector<double> fractions;
  std::uint64_t seed = 0;
  achrome::ExpressionOptions options;
  app.add_option("-g,--genes", genes_path, "genes.tsv (the gene order of the study)")->required();
  app.add_option("-e,--expression", expression_path,
                 "Expression file, plain or gzip, in one of the formats above. Ensembl version suffixes are "
                 "ignored when matching ids; a gene id twice in the file is an error")
      ->required();
  app.add_option("--epigenome", epigenome,
                 "Epigenome id, e.g. E003: the matrix column to read, the featureCounts sample column (its name or "
                 "BAM file name stem) when there are several, and the name in the labels JSON")
      ->required();
  app.add_option("--format", format, "auto, matrix (= roadmap), rsem, salmon, kallisto, featurecounts or star")
      ->capture_default_str();
  app.add_option("--value-column", options.value_column,
                 "Header name of the value column to use instead of the format's default (RSEM FPKM, salmon TPM, "
                 "kallisto tpm; the matrix column; the featureCounts sample column)");
  app.add_option("--value", options.value,
                 "auto, rpkm or tpm: rpkm/tpm normalise featureCounts and STAR counts (auto = rpkm) and pick RSEM's "
                 "FPKM/TPM column; salmon and kallisto give tpm only; a matrix is used as it is")
      ->check(CLI::IsMember({"auto", "rpkm", "tpm"}))
      ->capture_default_str();
  app.add_option("--tx2gene", options.tx2gene,
                 "salmon/kallisto: transcript-to-gene map, two columns 'transcript gene' (tab or comma); the values "
                 "of a gene's transcripts are summed; transcripts not in the map are ignored and counted");
  app.add_option("--gene-lengths", options.gene_lengths,
                 "Gene lengths in bp, two columns 'gene length' (required for star; replaces featureCounts' Length)");
  app.add_option("--star-column", options.star_column,
                 "STAR count column: unstranded (column 2), forward (3: read 1 on the gene's strand) or reverse (4)")
      ->check(CLI::IsMember({"unstranded", "forward", "reverse"}))
      ->capture_default_str();
  app.add_option("--threshold", threshold, "median, quantile:Q or value:X; label 1 iff value > threshold")
      ->capture_default_str();
  app.add_option("--split", split,
                 "paper (genes.tsv order cut 6601/6601/6600, scaled), chromosome, random, or file (--split-file)")
      ->capture_default_str();
  app.add_option("--split-file", split_file,
                 "--split file: a table with gene_id and split columns (e.g. another labels.tsv, or the published "
                 "split config/data/roadmap/published_split.tsv)");
  app.add_option("--valid-chroms", valid_chroms, "--split chromosome: validation chromosomes (chr1 and 1 match)")
      ->delimiter(',');
  app.add_option("--test-chroms", test_chroms, "--split chromosome: test chromosomes")->delimiter(',');
  app.add_option("--seed", seed, "--split random: seed of the shuffle")->capture_default_str();
  app.add_option("--fractions", fractions, "--split random: TRAIN,VALID fractions (test = the rest)")
      ->delimiter(',')
      ->expected(2);
  app.add_option("-o,--out", out, "Output labels TSV (gene_id value label split)")->required();
  app.add_option("--summary", summary_path,
                 "Output JSON with threshold, class balance and split rule (default: --out with .json)");

  return stage.run(argc, argv, [&] {
    if (summary_path.empty()) summary_path = std::filesystem::path(out).replace_extension(".json").string();
    if (summary_path == out) achrome::fail("--summary must differ from --out ({})", out);
    achrome::refuse_outputs_over_inputs({{"--genes", genes_path},
                                         {"--expression", expression_path},
                                         {"--tx2gene", options.tx2gene},
                                         {"--gene-lengths", options.gene_lengths},
                                         {"--split-file", split_file}},
                                        {{"--out", out}, {"--summary", summary_path}});
    achrome::LabellingOptions labelling_options;
    labelling_options.threshold = achrome::parse_threshold(threshold);
    auto& split_rule = labelling_options.split;
    split_rule.kind = achrome::parse_split_kind(split);
    using Kind = achrome::SplitRule::Kind;
    if (split_rule.kind != Kind::Chromosome && (!valid_chroms.empty() || !test_chroms.empty()))
      achrome::fail("--valid-chroms/--test-chroms need --split chromosome");
    if (split_rule.kind != Kind::Random && (app.count("--seed") > 0 || !fractions.empty()))
      achrome::fail("--seed/--fractions need --split random");
    if ((split_rule.kind == Kind::File) != !split_file.empty())
      achrome::fail("--split file and --split-file go together");
    split_rule.file = split_file;
    split_rule.valid_chroms = valid_chroms;
    split_rule.test_chroms = test_chroms;
    split_rule.seed = seed;
    if (!fractions.empty()) split_rule.fractions = std::array<double, 2>{fractions[0], fractions[1]};

    options.format = achrome::parse_expression_format(format);
    options.sample = epigenome;
    const auto genes = achrome::read_genes_tsv(genes_path);
    const auto expression = achrome::read_expression(expression_path, options);
    for (const auto& note : expression.notes) spdlog::warn("{}", note);
    spdlog::debug("{}: {} genes, format {}, value {}", expression_path, expression.size(), expression.format,
                  expression.value);
    const auto labelling = achrome::label_genes(genes, expression, labelling_options);
    const auto& summary = labelling.summary;
    if (summary.genes_dropped > 0)
      spdlog::warn("{} of {} genes have no value in {} ({}) and are not labelled (e.g. {})", summary.genes_dropped,
                   genes.size(), expression_path, epigenome, fmt::join(summary.dropped_examples, ", "));
    for (int s = 0; s < 3; ++s) {
      const auto& counts = summary.splits[s];
      const auto name = achrome::split_name(static_cast<achrome::Split>(s));
      if (counts.genes == 0) spdlog::warn("split {} is empty", name);
      else if (counts.positives == 0 || counts.negatives == 0)
        spdlog::warn("split {} has only one class ({} genes)", name, counts.genes);
    }
    // Both files are written in full before either is moved into place: a labels file never appears
    // without its summary, nor a summary without its labels.
    achrome::AtomicFileSet outputs;
    const auto labels_temp = outputs.add(out);
    const auto summary_temp = outputs.add(summary_path);
    achrome::write_labels_tsv(labels_temp, labelling.rows);
    achrome::write_labelling_summary(summary_temp, summary);
    outputs.commit();
    spdlog::info("{}: {} genes labelled from {} {} ({} ON, {} OFF; threshold {} = {}), split {} {}/{}/{}", out,
                 summary.genes_labelled, summary.format, summary.value, summary.positives, summary.negatives,
                 summary.threshold_rule, summary.threshold, summary.split.name(), summary.splits[0].genes,
                 summary.splits[1].genes, summary.splits[2].genes);
  });
}
