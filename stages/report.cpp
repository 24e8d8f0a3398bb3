// achrome-report: run folders of achrome-train -> self-contained HTML pages (inline CSS and SVG,
// no scripts, no network): one page per run with the numbers of its charts in TSV files beside it, or
// with --summary one page over all runs (the paper's Table 2 layout, the published numbers beside ours,
// mark attention across epigenomes) plus summary.tsv and its sibling tables.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <spdlog/spdlog.h>

#include "report/run_folder.hpp"
#include "report/run_page.hpp"
#include "report/summary_page.hpp"
#include "dataset/study.hpp"
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
  std::string out, title, tsv, page_pattern = "{epigenome}.html", genes_tsv, orientation = "genomic";
  std::vector<std::string> mark_specs;
  bool summary = false;
  achrome::report::RunPageOptions options;
  app.add_option("-r,--run", runs,
                 "Run folder (metrics.json, predictions.tsv, history.tsv, alpha.npy, beta.npy, attention_genes.tsv); "
                 "one, or with --summary repeat it for every run")
      ->required();
  app.add_option("-o,--out", out, "Output HTML page, e.g. reports/E003.html or reports/summary.html")->required();
  app.add_flag("--summary", summary, "Summarise all --run folders on one page (reads their metrics.json, and beta.npy with "
               "attention_genes.tsv where present)");
  app.add_option("--title", title, "Page title (default: 'EPIGENOME · MODEL', or 'achrome: N runs' for --summary)");
  app.add_option("--tsv", tsv, "With --summary: the table of runs (default: --out with .tsv); the other tables are named after it "
                 "(summary.auroc.tsv, summary.table2.tsv, summary.beta.tsv, summary.genes.tsv)");
  app.add_option("--page-name", page_pattern,
                 "With --summary: link of each run's page relative to the summary; {epigenome} and {model} "
                 "are replaced; empty for no links")
      ->capture_default_str();
  std::string published_dir;
  bool no_published = false;
  std::vector<std::string> genes;
  auto* published_option = app.add_option(
      "--published", published_dir,
      "With --summary: folder of the published numbers shown beside ours (deepchrome_per_epigenome.tsv, "
      "attentivechrome_table2.tsv); default: " + achrome::report::default_published_dir().string() +
          ", left out if absent");
  app.add_flag("--no-published", no_published, "With --summary: leave the published numbers out")
      ->excludes(published_option);
  app.add_option("--gene", genes,
                 "A gene to show on its own; repeatable. A run page draws a test gene's signal, alpha, saliency "
                 "and beta; --summary shows its beta in every epigenome where it is a test gene (an id of "
                 "attention_genes.tsv, a version suffix may be left off; or, with --summary and --genes, a name)");
  app.add_option("--genes", genes_tsv,
                 "The study's genes.tsv: with --mark, the input signal of a run page (default: the files "
                 "geometry.json names, if they are unchanged); with --summary, so that --gene may also be a gene "
                 "name (PAX5)")
      ->check(CLI::ExistingFile);
  auto* upstream = app.add_option("--upstream", options.upstream_bp,
                                  "Bases upstream of the TSS the bins cover, for runs without geometry.json (must "
                                  "agree with it when both are there)")
                       ->capture_default_str();
  auto* downstream = app.add_option("--downstream", options.downstream_bp,
                                    "Bases downstream of the TSS the bins cover (as --upstream)")
                         ->capture_default_str();
  auto* orientation_option =
      app.add_option("--orientation", orientation,
                     "Bin order of the run's inputs, for runs without geometry.json: genomic (minus-strand genes are "
                     "drawn reversed) or transcript")
          ->check(CLI::IsMember({"genomic", "transcript"}))
          ->capture_default_str();
  app.add_option("--top-genes", options.top_genes, "Rows of the top-genes table")->capture_default_str();
  app.add_option("--mark", mark_specs, "MARK=FILE.npy for every mark of the run, with --genes: the input signal");
  std::string validation_spec;
  app.add_option("--validation", validation_spec,
                 "TRACK=FILE.npy: a binned mark that is not a model input (H3K27ac in the paper), made by achrome-bin "
                 "over the run's genes and window; the page correlates the attention and saliency of "
                 "--validation-mark with it (needs --genes, or the genes.tsv geometry.json names)");
  app.add_option("--validation-mark", options.validation_mark,
                 "With --validation: the input mark whose attention and saliency are compared")
      ->capture_default_str();
  app.add_option("--heat-map-rows", options.heat_map_rows, "Most rows of an attention heat map (genes are averaged "
                                                           "in blocks beyond)")
      ->capture_default_str()
      ->check(achrome::positive());

  return stage.run(argc, argv, [&] {
    if (!summary) {
      if (runs.size() != 1) achrome::fail("give one --run for a run page ({} given); use --summary for several", runs.size());
      if (!tsv.empty()) achrome::fail("--tsv only applies with --summary");
      if (!published_dir.empty() || no_published)
        achrome::usage_fail("--published and --no-published only apply with --summary");
      if (genes_tsv.empty() && !mark_specs.empty()) achrome::fail("--mark needs --genes (the input signal)");
      if (!genes_tsv.empty() && mark_specs.empty() && validation_spec.empty())
        achrome::fail("--genes goes with --mark (the input signal) or --validation");
      options.genes = genes;
      options.title = title;
      options.orientation = achrome::parse_orientation(orientation);
      const auto run = achrome::read_run_folder(runs.front());
      if (run.geometry) {
        // The run says what its bins are; a window given as well must be the same one.
        const auto& geometry = *run.geometry;
        const auto where = (fs::path(runs.front()) / "geometry.json").string();
        if (upstream->count() > 0 && options.upstream_bp != static_cast<double>(geometry.upstream))
          achrome::fail("--upstream {} disagrees with {} (upstream {})", options.upstream_bp, where, geometry.upstream);
        if (downstream->count() > 0 && options.downstream_bp != static_cast<double>(geometry.downstream))
          achrome::fail("--downstream {} disagrees with {} (downstream {})", options.downstream_bp, where,
                        geometry.downstream);
        if (orientation_option->count() > 0 && options.orientation != geometry.orientation)
          achrome::fail("--orientation {} disagrees with {}", orientation, where);
      } else {
        spdlog::warn("{}: no geometry.json; the window is taken from --upstream {} --downstream {} --orientation {}",
                     runs.front(), options.upstream_bp, options.downstream_bp, orientation);
      }
      if (!mark_specs.empty()) {
        std::vector<achrome::MarkFile> marks;
        for (const auto& spec : mark_specs) marks.push_back(achrome::parse_mark_spec(spec));
        options.signal = achrome::report::read_run_signal(run, genes_tsv, marks);
      } else if (!run.genes.empty()) {
        // The matrices the run was trained on, where geometry.json says they are.
        std::string why;
        options.signal = achrome::report::read_recorded_signal(run, why);
        if (!options.signal) spdlog::info("input signal not drawn: {} (give --genes and --mark)", why);
      }
      if (!validation_spec.empty()) {
        auto validation_genes = fs::path(genes_tsv);
        if (validation_genes.empty()) {
          std::string why;
          const auto recorded = achrome::report::recorded_genes_tsv(run, why);
          if (!recorded) achrome::fail("--validation needs --genes: {}", why);
          validation_genes = *recorded;
        }
        options.validation = achrome::report::read_validation_track(run, validation_genes,
                                                                    achrome::parse_mark_spec(validation_spec));
      }
      const auto page = achrome::report::render_run_page(run, options);
      // The page and its tables appear together, after everything is rendered.
      achrome::AtomicFileSet files;
      achrome::write_file_atomic(files.add(out), page.html);
      for (const auto& [suffix, table] : page.tables)
        achrome::write_file_atomic(files.add(achrome::report::table_path(out, suffix)), table);
      files.commit();
      const bool regression = run.metrics.target == "regression";
      spdlog::info("{}: {} {} (test {} {}), {} KB; tables beside it", out, run.metrics.epigenome, run.metrics.model,
                   regression ? "Pearson r" : "AUROC",
                   run.metrics.splits[2].score(), page.html.size() / 1024);
      return;
    }
    if (!mark_specs.empty()) achrome::usage_fail("--mark only applies to a run page, not with --summary");
    if (!validation_spec.empty()) achrome::usage_fail("--validation only applies to a run page, not with --summary");
    // The published numbers: an explicit --published must hold them; the compiled-in default is used
    // when it does (a source or build tree), and left out silently when it does not (a copied binary).
    achrome::report::SummaryOptions summary_options;
    summary_options.title = title;
    if (!genes_tsv.empty())
      genes = achrome::report::resolve_gene_names(genes, achrome::read_genes_tsv(genes_tsv), genes_tsv,
                                                  summary_options.gene_names);
    summary_options.genes = genes;
    if (!published_dir.empty()) {
      summary_options.published = achrome::report::read_published(published_dir);
    } else if (!no_published) {
      const auto fallback = achrome::report::default_published_dir();
      if (!fallback.empty() && fs::exists(fallback / achrome::report::kPublishedDeepChromeFile) &&
          fs::exists(fallback / achrome::report::kPublishedTable2File))
        summary_options.published = achrome::report::read_published(fallback);
      else
        spdlog::debug("no published numbers at {}; left out", fallback.string());
    }

    std::vector<achrome::report::SummaryEntry> entries;
    std::vector<fs::path> seen;
    std::map<std::pair<std::string, std::string>, std::string> run_of;  // (epigenome, model) -> --run
    for (const auto& dir : runs) {
      // One run twice would be counted twice in every mean and median of the summary.
      std::error_code ec;
      auto resolved = fs::weakly_canonical(dir, ec);
      if (ec) resolved = fs::absolute(dir).lexically_normal();
      if (!resolved.has_filename()) resolved = resolved.parent_path();
      if (std::find(seen.begin(), seen.end(), resolved) != seen.end())
        achrome::fail("--run {}: the same run folder is given twice", dir);
      seen.push_back(resolved);
      auto entry = achrome::report::read_summary_entry(dir, page_pattern, genes);
      // The summary is the paper's table of AUROCs; a regression run has none, only r (its own page shows it).
      if (entry.metrics.target == "regression") {
        spdlog::warn("--run {}: a regression run (Pearson r, no AUROC); left out of the summary", dir);
        summary_options.regression_runs.push_back(dir);
        continue;
      }
      // The table has one cell per epigenome and model: a second run of the pair (another seed) has no place.
      const auto [it, added] = run_of.emplace(std::make_pair(entry.metrics.epigenome, entry.metrics.model), dir);
      if (!added)
        achrome::fail("--run {}: epigenome {} model {} is also --run {}; give one run per epigenome and model", dir,
                      entry.metrics.epigenome, entry.metrics.model, it->second);
      entries.push_back(std::move(entry));
    }
    if (entries.empty()) achrome::fail("--summary: every --run is a regression run; the summary tabulates AUROC");
    if (tsv.empty()) tsv = fs::path(out).replace_extension(".tsv").string();
    if (tsv == out) achrome::fail("--tsv must differ from --out ({})", out);
    for (const auto& gene : genes) {
      const bool found = std::any_of(entries.begin(), entries.end(), [&](const auto& entry) {
        return entry.beta && std::any_of(entry.beta->named.begin(), entry.beta->named.end(), [&](const auto& named) {
                 return achrome::report::same_gene(named.gene_id, gene);
               });
      });
      if (!found) spdlog::warn("--gene {}: not a test gene of any run with mark attention (beta.npy)", gene);
    }
    const auto files = achrome::report::render_summary(entries, summary_options);
    // Every output is rendered before any is written, and they appear together or not at all.
    achrome::AtomicFileSet set;
    const std::vector<std::pair<fs::path, const std::string*>> outputs{
        {out, &files.html},
        {tsv, &files.runs_tsv},
        {achrome::report::sibling_tsv(tsv, "auroc"), &files.auroc_tsv},
        {achrome::report::sibling_tsv(tsv, "table2"), &files.table2_tsv},
        {achrome::report::sibling_tsv(tsv, "beta"), &files.beta_tsv},
        {achrome::report::sibling_tsv(tsv, "genes"), &files.genes_tsv}};
    for (const auto& [path, content] : outputs) {
      std::ofstream stream(set.add(path), std::ios::binary);
      stream << *content;
      stream.close();
      if (!stream) achrome::fail("{}: cannot write", path.string());
    }
    set.commit();
    const auto stats = achrome::report::test_auroc_stats(entries);
    spdlog::info("{}: {} runs, mean test AUROC {:.4f} (median {:.4f}, min {:.4f}, max {:.4f}); tables beside {}{}", out,
                 entries.size(), stats.mean, stats.median, stats.min, stats.max, tsv,
                 summary_options.published ? "; published numbers from " + summary_options.published->dir.string()
                                           : std::string("; no published numbers"));
  });
}
