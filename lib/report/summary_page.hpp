#pragma once
// The page over many runs and its tables for machines. Laid out as the AttentiveChrome paper's
// Table 2: test AUROC per epigenome x model, the mean / median / max / min over the epigenomes and how
// often each model beats DeepChrome on the same epigenome; beside it the published DeepChrome AUROC
// per epigenome and the paper's Table 2 rows; then the mark attention (beta) of every run that has it,
// averaged per epigenome, and for named genes their beta in each epigenome (the paper's PAX5 figure).
//
// Files (docs/formats.md "Summary"): the page, summary.tsv (one row per run), and beside it
// summary.auroc.tsv, summary.table2.tsv, summary.beta.tsv, summary.genes.tsv.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "annotation/genes.hpp"
#include "report/run_folder.hpp"

namespace achrome::report {

// A named gene's mark attention in one run (one row of beta.npy).
struct GeneBeta {
  std::string gene_id;
  int label = 0;
  float probability = 0;
  std::vector<double> beta;  // per mark of the run's metrics.marks
};

// A run's beta.npy reduced to what the summary shows: kilobytes per run, whatever the gene count.
struct BetaSummary {
  std::size_t genes = 0, on = 0, off = 0;     // test genes; of them labelled 1 / 0
  std::vector<double> mean, mean_on, mean_off;  // per mark of metrics.marks; NaN over no genes
  std::vector<GeneBeta> named;                  // the requested genes among the run's test genes
};

// Genes are matched by id as written, or without a version suffix on either side
// (ENSG00000196092 finds ENSG00000196092.12).
bool same_gene(const std::string& a, const std::string& b);
// --gene values, each a gene_id (with or without its version) or a name of genes.tsv, as the ids of
// genes.tsv (a name shared by several genes gives all of them); names[id] = the gene's name. Error
// naming `source` for a value that is neither.
std::vector<std::string> resolve_gene_names(const std::vector<std::string>& requested, const std::vector<Gene>& genes,
                                            const std::string& source, std::map<std::string, std::string>& names);
BetaSummary summarize_beta(const MarkAttention& attention, const std::vector<std::string>& named_genes);

struct SummaryEntry {
  RunMetrics metrics;
  std::string page;                  // relative link to the run's page; empty = no link
  std::optional<BetaSummary> beta;  // runs of models with mark attention
};

// A run folder as the summary needs it: metrics.json, and beta.npy with attention_genes.tsv when present.
SummaryEntry read_summary_entry(const std::filesystem::path& dir, const std::string& page_pattern,
                                const std::vector<std::string>& named_genes);

// The published numbers (config/data/published/, its README says where they come from).
struct PublishedEpigenome {
  std::string epigenome, name;
  double deepchrome_auroc = 0;
};
struct PublishedTableRow {
  std::string model;  // as the paper names it: DeepChrome, LSTM, AttentiveChrome
  double mean = 0, median = 0, max = 0, min = 0;
  long long better_than_deepchrome = -1;  // -1: not given (DeepChrome itself)
};
struct Published {
  std::filesystem::path dir;
  std::vector<PublishedEpigenome> deepchrome;  // deepchrome_per_epigenome.tsv
  std::vector<PublishedTableRow> table2;       // attentivechrome_table2.tsv
  long long table2_epigenomes = 0;             // N of its better_than_deepchrome_of_N column
};
constexpr const char* kPublishedDeepChromeFile = "deepchrome_per_epigenome.tsv";
constexpr const char* kPublishedTable2File = "attentivechrome_table2.tsv";

// Reads both files of dir; a missing or malformed file is an error naming it (and the line).
Published read_published(const std::filesystem::path& dir);
// The published folder of the source tree this build came from (compiled in), where achrome-report
// looks when not told.
std::filesystem::path default_published_dir();

// The paper's Table 2 order; other model names follow in the order first given.
std::vector<std::string> paper_model_order(const std::vector<SummaryEntry>& entries);

struct AurocStats {
  std::size_t runs = 0;  // runs with a test AUROC
  double mean = 0, median = 0, min = 0, max = 0;
};
AurocStats test_auroc_stats(const std::vector<SummaryEntry>& entries);
AurocStats auroc_stats(std::vector<double> values);  // NaNs are left out

// One model's column of the Table 2 layout.
struct ModelColumn {
  std::string model;
  AurocStats stats;
  // Epigenomes with a finite test AUROC of this model and of deepchrome, and of them those where this
  // model's is strictly higher. compared == 0 without a deepchrome run.
  std::size_t better_than_deepchrome = 0, compared = 0;
};
std::vector<ModelColumn> model_columns(const std::vector<SummaryEntry>& entries);

// "{epigenome}.html" style patterns: {epigenome} and {model} are replaced.
std::string page_name(const std::string& pattern, const RunMetrics& metrics);

// Header: epigenome model best_epoch train_auroc train_aupr valid_auroc valid_aupr test_auroc
// test_aupr genes; one row per run, in the order given; NaN written as "nan".
std::string summary_tsv(const std::vector<SummaryEntry>& entries);

struct SummaryOptions {
  std::string title;
  std::optional<Published> published;
  std::vector<std::string> genes;  // --gene: genes whose beta is shown across epigenomes
  std::map<std::string, std::string> gene_names;  // gene id -> name, for the headings
  std::vector<std::string> regression_runs;  // run folders left out (no AUROC), named in a note on the page
};

// Everything the summary writes, rendered before anything is written.
struct SummaryFiles {
  std::string html;
  std::string runs_tsv;    // summary.tsv
  std::string auroc_tsv;   // summary.auroc.tsv: epigenome x model test AUROC (+ published DeepChrome)
  std::string table2_tsv;  // summary.table2.tsv: mean/median/max/min/better-than-DeepChrome, ours and published
  std::string beta_tsv;    // summary.beta.tsv: mean beta per model x epigenome x mark
  std::string genes_tsv;   // summary.genes.tsv: the named genes' beta per model x epigenome x mark
};
SummaryFiles render_summary(const std::vector<SummaryEntry>& entries, const SummaryOptions& options);
std::string render_summary_page(const std::vector<SummaryEntry>& entries, const std::string& title);

// Paths of the tables beside summary.tsv: summary.tsv -> summary.auroc.tsv, ...
std::filesystem::path sibling_tsv(const std::filesystem::path& runs_tsv, const std::string& kind);

}  // namespace achrome::report
