#include "report/summary_page.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "report/html.hpp"
#include "report/svg.hpp"
#include "util/error.hpp"

namespace achrome::report {

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string tsv_number(double value) { return std::isnan(value) ? "nan" : fmt::format("{:.6f}", value); }

long long total_genes(const RunMetrics& metrics) {
  long long genes = 0;
  for (const auto& split : metrics.splits) genes += split.genes;
  return genes;
}

}  // namespace

AurocStats test_auroc_stats(const std::vector<SummaryEntry>& entries) {
  std::vector<double> values;
  for (const auto& entry : entries)
    if (std::isfinite(entry.metrics.splits[2].auroc)) values.push_back(entry.metrics.splits[2].auroc);
  AurocStats stats;
  stats.runs = values.size();
  if (values.empty()) {
    stats.mean = stats.median = stats.min = stats.max = std::nan("");
    return stats;
  }
  std::sort(values.begin(), values.end());
  double sum = 0;
  for (double v : values) sum += v;
  const std::size_t half = values.size() / 2;
  stats.mean = sum / static_cast<double>(values.size());
  stats.median = values.size() % 2 == 1 ? values[half] : (values[half - 1] + values[half]) / 2;
  stats.min = values.front();
  stats.max = values.back();
  return stats;
}

std::string page_name(const std::string& pattern, const RunMetrics& metrics) {
  return replace_all(replace_all(pattern, "{epigenome}", metrics.epigenome), "{model}", metrics.model);
}

std::string summary_tsv(const std::vector<SummaryEntry>& entries) {
  std::string out =
      "epigenome\tmodel\tbest_epoch\ttrain_auroc\ttrain_aupr\tvalid_auroc\tvalid_aupr\ttest_auroc\ttest_aupr\tgenes\n";
  for (const auto& entry : entries) {
    const auto& m = entry.metrics;
    out += fmt::format("{}\t{}\t{}", m.epigenome, m.model, m.best_epoch);
    for (const auto& split : m.splits) out += "\t" + tsv_number(split.auroc) + "\t" + tsv_number(split.aupr);
    out += fmt::format("\t{}\n", total_genes(m));
  }
  return out;
}

std::string render_summary_page(const std::vector<SummaryEntry>& entries, const std::string& title) {
  if (entries.empty()) fail("summary: no runs given");
  const auto stats = test_auroc_stats(entries);
  std::string body = "<h1>" + escape_html(title) + "</h1>\n";
  body += fmt::format("<p class=\"sub\">{} runs; metrics at each run's best-validation epoch.</p>\n", entries.size());
  body += "<div class=\"facts\">";
  for (const auto& [key, value] : std::vector<std::pair<const char*, double>>{
           {"mean test AUROC", stats.mean}, {"median", stats.median}, {"min", stats.min}, {"max", stats.max}})
    body += fmt::format("<div class=\"fact\"><div class=\"k\">{}</div><div class=\"v\">{}</div></div>", key,
                        format_fixed(value, 4));
  body += "</div>\n";

  // Chart: test AUROC per run, highest first, with the mean as a dashed line.
  std::vector<const SummaryEntry*> sorted;
  for (const auto& entry : entries) sorted.push_back(&entry);
  std::stable_sort(sorted.begin(), sorted.end(), [](const SummaryEntry* a, const SummaryEntry* b) {
    const double x = a->metrics.splits[2].auroc, y = b->metrics.splits[2].auroc;
    if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
    return x > y;
  });
  bool several_models = false;
  for (const auto& entry : entries) several_models |= entry.metrics.model != entries.front().metrics.model;
  BarChart chart;
  chart.title = "Test AUROC per epigenome";
  chart.width = std::clamp(120.0 + 18.0 * static_cast<double>(entries.size()), 420.0, 1060.0);
  chart.height = 300;
  chart.dots = true;
  chart.rotate_labels = true;
  const double low = std::isfinite(stats.min) ? std::min(0.5, std::floor(stats.min * 10) / 10) : 0.5;
  chart.y = {"test AUROC", low, 1.0, 1};
  BarSeries series{"", "#1f5fa0", {}};
  for (const auto* entry : sorted) {
    chart.categories.push_back(several_models ? entry->metrics.epigenome + " " + entry->metrics.model
                                              : entry->metrics.epigenome);
    series.values.push_back(entry->metrics.splits[2].auroc);
  }
  chart.series = {series};
  if (std::isfinite(stats.mean)) chart.reference_lines = {stats.mean};
  body += "<h2>Test AUROC</h2>\n<figure>" + render_bar_chart(chart) + "</figure>\n";
  body += "<p class=\"caption\">One dot per run, highest first; dashed line: the mean.</p>\n";

  body += "<h2>Runs</h2>\n<table><tr><th class=\"text\">epigenome</th><th class=\"text\">model</th>"
          "<th>best epoch</th><th>train AUROC</th><th>valid AUROC</th><th>test AUROC</th><th>test AUPR</th>"
          "<th>genes</th></tr>\n";
  for (const auto& entry : entries) {
    const auto& m = entry.metrics;
    const std::string name = escape_html(m.epigenome);
    const std::string cell = entry.page.empty() ? name
                                                : fmt::format("<a href=\"{}\">{}</a>", escape_html(entry.page), name);
    body += fmt::format(
        "<tr><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td><b>{}</b></td>"
        "<td>{}</td><td>{}</td></tr>\n",
        cell, escape_html(m.model), m.best_epoch, format_fixed(m.splits[0].auroc, 4), format_fixed(m.splits[1].auroc, 4),
        format_fixed(m.splits[2].auroc, 4), format_fixed(m.splits[2].aupr, 4), format_count(total_genes(m)));
  }
  body += "</table>\n<footer>achrome-report · summary.tsv beside this page has the same numbers for machines.</footer>\n";
  return html_page(title, body);
}

}  // namespace achrome::report
