// achrome-report: run folders of achrome-train -> self-contained HTML pages (inline CSS and SVG,
// no scripts, no network): one page per run, or with --summary one page over all runs plus
// summary.tsv beside it.
#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "report/run_folder.hpp"
#include "report/run_page.hpp"
#include "report/summary_page.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"
#include "util/stage.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  achrome::Stage stage("achrome-report",
                       "Write an HTML report of a trained run (metrics, ROC, training history, attention),\n"
                       "or with --summary a page over many runs plus a summary.tsv beside it.");
  auto& app = stage.app();
  std::vector<std::string> runs;
  std::string out, title, tsv, page_pattern = "{epigenome}.html";
  bool summary = false;
  achrome::report::RunPageOptions options;
  app.add_option("-r,--run", runs,
                 "Run folder (metrics.json, predictions.tsv, history.tsv, alpha.npy, beta.npy, attention_genes.tsv); "
                 "one, or with --summary repeat it for every run")
      ->required();
  app.add_option("-o,--out", out, "Output HTML page, e.g. reports/E003.html or reports/summary.html")->required();
  app.add_flag("--summary", summary, "Summarise all --run folders on one page (needs only their metrics.json)");
  app.add_option("--title", title, "Page title (default: 'EPIGENOME · MODEL', or 'achrome: N runs' for --summary)");
  app.add_option("--tsv", tsv, "With --summary: the machine-readable table (default: --out with .tsv)");
  app.add_option("--page-name", page_pattern,
                 "With --summary: link of each run's page relative to the summary; {epigenome} and {model} "
                 "are replaced; empty for no links")
      ->capture_default_str();
  app.add_option("--upstream", options.upstream_bp, "Bases upstream of the TSS the bins cover (alpha plots' kb axis)")
      ->capture_default_str();
  app.add_option("--downstream", options.downstream_bp, "Bases downstream of the TSS the bins cover")
      ->capture_default_str();
  app.add_option("--top-genes", options.top_genes, "Rows of the top-genes table")->capture_default_str();

  return stage.run(argc, argv, [&] {
    if (!summary) {
      if (runs.size() != 1) achrome::fail("give one --run for a run page ({} given); use --summary for several", runs.size());
      if (!tsv.empty()) achrome::fail("--tsv only applies with --summary");
      options.title = title;
      const auto run = achrome::report::read_run_folder(runs.front());
      achrome::write_file_atomic(out, achrome::report::render_run_page(run, options));
      spdlog::info("{}: {} {} (test AUROC {})", out, run.metrics.epigenome, run.metrics.model,
                   run.metrics.splits[2].auroc);
      return;
    }
    std::vector<achrome::report::SummaryEntry> entries;
    std::vector<fs::path> seen;
    for (const auto& dir : runs) {
      // One run twice would be counted twice in every mean and median of the summary.
      std::error_code ec;
      auto resolved = fs::weakly_canonical(dir, ec);
      if (ec) resolved = fs::absolute(dir).lexically_normal();
      if (!resolved.has_filename()) resolved = resolved.parent_path();
      if (std::find(seen.begin(), seen.end(), resolved) != seen.end())
        achrome::fail("--run {}: the same run folder is given twice", dir);
      seen.push_back(resolved);
      achrome::report::SummaryEntry entry;
      entry.metrics = achrome::report::read_run_folder(dir, /*metrics_only=*/true).metrics;
      if (!page_pattern.empty()) entry.page = achrome::report::page_name(page_pattern, entry.metrics);
      entries.push_back(std::move(entry));
    }
    if (tsv.empty()) tsv = fs::path(out).replace_extension(".tsv").string();
    if (tsv == out) achrome::fail("--tsv must differ from --out ({})", out);
    const auto page = achrome::report::render_summary_page(
        entries, title.empty() ? "achrome: " + std::to_string(entries.size()) + " runs" : title);
    // Both outputs are rendered before either is written, so a bad run folder leaves neither.
    achrome::write_file_atomic(tsv, achrome::report::summary_tsv(entries));
    achrome::write_file_atomic(out, page);
    const auto stats = achrome::report::test_auroc_stats(entries);
    spdlog::info("{}: {} runs, mean test AUROC {:.4f} (median {:.4f}, min {:.4f}, max {:.4f}); table in {}", out,
                 entries.size(), stats.mean, stats.median, stats.min, stats.max, tsv);
  });
}
