#pragma once
// The page over all runs (one row per run, test AUROC statistics, AUROC per epigenome chart, links
// to the per-run pages) and its machine-readable twin summary.tsv.
#include <string>
#include <vector>

#include "report/run_folder.hpp"

namespace achrome::report {

struct SummaryEntry {
  RunMetrics metrics;
  std::string page;  // relative link to the run's page; empty = no link
};

struct AurocStats {
  std::size_t runs = 0;  // runs with a test AUROC
  double mean = 0, median = 0, min = 0, max = 0;
};
AurocStats test_auroc_stats(const std::vector<SummaryEntry>& entries);

// "{epigenome}.html" style patterns: {epigenome} and {model} are replaced.
std::string page_name(const std::string& pattern, const RunMetrics& metrics);

// Header: epigenome model best_epoch train_auroc train_aupr valid_auroc valid_aupr test_auroc
// test_aupr genes; one row per run, in the order given; NaN written as "nan".
std::string summary_tsv(const std::vector<SummaryEntry>& entries);
std::string render_summary_page(const std::vector<SummaryEntry>& entries, const std::string& title);

}  // namespace achrome::report
