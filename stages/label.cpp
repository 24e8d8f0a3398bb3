// achrome-label: genes.tsv + an expression file -> labels/{eid}.tsv (gene_id value label split)
// and labels/{eid}.json (threshold and class balance).
#include <filesystem>

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "annotation/genes.hpp"
#include "dataset/labelling.hpp"
#include "expression/expression.hpp"
#include "util/error.hpp"
#include "util/stage.hpp"

int main(int argc, char** argv) {
  achrome::Stage stage("achrome-label",
                       "Label each gene of genes.tsv ON (1) or OFF (0) in one epigenome: 1 when its expression is\n"
                       "above the median over the genes that have a value (AttentiveChrome's rule). Genes without a\n"
                       "value are dropped and counted. Splits cut genes.tsv order 6601/6601/6600 (of 19,802).");
  auto& app = stage.app();
  std::string genes_path, expression_path, epigenome, out, summary_path;
  std::string format = "roadmap";
  app.add_option("-g,--genes", genes_path, "genes.tsv (the gene order of the study)")->required();
  app.add_option("-e,--expression", expression_path,
                 "Expression file, plain or gzip; 'roadmap' format: header 'gene_id E000 E003 ...', one value "
                 "column per epigenome (e.g. 57epigenomes.RPKM.pc.gz). Ensembl version suffixes are ignored "
                 "when matching ids")
      ->required();
  app.add_option("--epigenome", epigenome, "Column (epigenome id) of the expression file to label from, e.g. E003")
      ->required();
  app.add_option("--format", format, "Expression file format")->capture_default_str();
  app.add_option("-o,--out", out, "Output labels TSV (gene_id value label split)")->required();
  app.add_option("--summary", summary_path, "Output JSON with threshold and class balance (default: --out with .json)");

  return stage.run(argc, argv, [&] {
    if (summary_path.empty()) summary_path = std::filesystem::path(out).replace_extension(".json").string();
    if (summary_path == out) achrome::fail("--summary must differ from --out ({})", out);
    const auto genes = achrome::read_genes_tsv(genes_path);
    const auto expression =
        achrome::read_expression(expression_path, achrome::parse_expression_format(format), epigenome);
    const auto labelling = achrome::label_by_median(genes, expression);
    const auto& summary = labelling.summary;
    if (summary.genes_dropped > 0)
      spdlog::warn("{} of {} genes have no value in {} column {} and are not labelled (e.g. {})",
                   summary.genes_dropped, genes.size(), expression_path, epigenome,
                   fmt::join(summary.dropped_examples, ", "));
    for (int s = 0; s < 3; ++s) {
      const auto& counts = summary.splits[s];
      if (counts.genes > 0 && (counts.positives == 0 || counts.negatives == 0))
        spdlog::warn("split {} has only one class ({} genes)", achrome::split_name(static_cast<achrome::Split>(s)),
                     counts.genes);
    }
    // Labels first, summary second: the JSON existing implies the labels are complete.
    achrome::write_labels_tsv(out, labelling.rows);
    achrome::write_labelling_summary(summary_path, summary);
    spdlog::info("{}: {} genes labelled ({} ON, {} OFF; median {}), split {}/{}/{}", out, summary.genes_labelled,
                 summary.positives, summary.negatives, summary.threshold, summary.splits[0].genes,
                 summary.splits[1].genes, summary.splits[2].genes);
  });
}
