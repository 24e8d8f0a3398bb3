#include "report/summary_page.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "annotation/genes.hpp"
#include "report/html.hpp"
#include "report/svg.hpp"
#include "util/error.hpp"
#include "util/line_reader.hpp"
#include "util/parse.hpp"

namespace fs = std::filesystem;

namespace achrome::report {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The paper's Table 2, left to right.
const std::vector<std::string> kPaperModels{"deepchrome", "lstm",       "cnn-attn",       "cnn-alpha-beta",
                                            "lstm-attn",  "lstm-alpha", "attentivechrome"};
const std::vector<std::string> kModelColors{"#d95f02", "#7570b3", "#66a61e", "#e6ab02",
                                            "#a6761d", "#e7298a", "#1f5fa0"};
const std::vector<std::string> kOtherColors{"#1b9e77", "#666666", "#8c564b", "#17becf"};
constexpr const char* kPublishedColor = "#111111";
// One colour per epigenome in a named gene's bar chart (at most 8 epigenomes are drawn).
const std::vector<std::string> kEpigenomeColors{"#1f5fa0", "#d95f02", "#1b9e77", "#7570b3",
                                                "#e7298a", "#66a61e", "#e6ab02", "#666666"};

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

std::string model_color(const std::string& model, std::size_t other_index) {
  const auto it = std::find(kPaperModels.begin(), kPaperModels.end(), model);
  if (it != kPaperModels.end()) return kModelColors[static_cast<std::size_t>(it - kPaperModels.begin())];
  return kOtherColors[other_index % kOtherColors.size()];
}

// The paper writes DeepChrome, LSTM, AttentiveChrome; the runs are named deepchrome, lstm, attentivechrome.
std::string run_model_name(const std::string& paper_name) {
  std::string name;
  for (char c : paper_name) name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return name;
}

// Heat map colour of a mark attention: white at uniform attention (1 / marks), red above, blue below,
// full colour at `spread` away from uniform.
std::string heat_color(double value, double uniform, double spread) {
  if (!std::isfinite(value) || spread <= 0) return "#ffffff";
  const double t = std::clamp((value - uniform) / spread, -1.0, 1.0);
  const int r0 = t > 0 ? 0xc0 : 0x2e, g0 = t > 0 ? 0x39 : 0x6f, b0 = t > 0 ? 0x2b : 0xa7;
  const double a = std::abs(t) * 0.75;
  const auto mix = [a](int c) { return static_cast<int>(std::lround(255 + (c - 255) * a)); };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(r0), mix(g0), mix(b0));
}

std::string heat_cell(double value, double uniform, double spread) {
  if (!std::isfinite(value)) return "<td></td>";
  return fmt::format("<td style=\"background:{}\">{}</td>", heat_color(value, uniform, spread), format_fixed(value, 3));
}

std::string fact(std::string_view key, const std::string& value) {
  return fmt::format("<div class=\"fact\"><div class=\"k\">{}</div><div class=\"v\">{}</div></div>", escape_html(key),
                     escape_html(value));
}

// Marks in the order first met over the runs that have beta (runs may order or choose marks differently).
std::vector<std::string> beta_marks(const std::vector<const SummaryEntry*>& runs) {
  std::vector<std::string> marks;
  for (const auto* entry : runs)
    for (const auto& mark : entry->metrics.marks)
      if (std::find(marks.begin(), marks.end(), mark) == marks.end()) marks.push_back(mark);
  return marks;
}

double value_of_mark(const std::vector<double>& values, const RunMetrics& metrics, const std::string& mark) {
  const auto it = std::find(metrics.marks.begin(), metrics.marks.end(), mark);
  if (it == metrics.marks.end()) return kNaN;
  const auto m = static_cast<std::size_t>(it - metrics.marks.begin());
  return m < values.size() ? values[m] : kNaN;
}

// The largest distance from uniform attention among the values, for the colour scale.
double beta_spread(const std::vector<double>& values, double uniform) {
  double spread = 0;
  for (double v : values)
    if (std::isfinite(v)) spread = std::max(spread, std::abs(v - uniform));
  return spread;
}

std::string count_of(std::size_t better, std::size_t compared) {
  return compared == 0 ? "n/a" : fmt::format("{} of {}", better, compared);
}

// A table of the published files: header `columns`; row(fields, where) per data line.
template <typename RowFn>
void read_published_tsv(const fs::path& path, std::vector<std::string_view> columns, bool last_is_prefix, RowFn row) {
  if (!fs::exists(path)) fail("{}: no such file (the published numbers, see config/data/published/README.md)", path.string());
  LineReader reader(path.string());
  std::string_view line;
  std::vector<std::string_view> fields;
  std::string header;
  for (std::size_t i = 0; i < columns.size(); ++i) header += (i ? "\t" : "") + std::string(columns[i]);
  if (!reader.next(line)) fail("{}: empty file (expected header '{}')", path.string(), header);
  split(line, '\t', fields);
  bool ok = fields.size() == columns.size();
  for (std::size_t i = 0; ok && i < columns.size(); ++i)
    ok = last_is_prefix && i + 1 == columns.size() ? fields[i].substr(0, columns[i].size()) == columns[i]
                                                   : fields[i] == columns[i];
  if (!ok) fail("{}:1: header must be '{}{}' (tab-separated)", path.string(), header, last_is_prefix ? "N" : "");
  const auto header_fields = std::vector<std::string>(fields.begin(), fields.end());
  while (reader.next(line)) {
    if (line.empty()) continue;
    split(line, '\t', fields);
    if (fields.size() != columns.size())
      fail("{}: expected {} tab-separated columns, found {}", reader.where(), columns.size(), fields.size());
    row(fields, reader.where(), header_fields);
  }
}

double published_auroc(std::string_view field, const std::string& where, std::string_view what) {
  const double value = parse_double(field, where, what);
  if (!(value >= 0 && value <= 1)) fail("{}: {} {} is not an AUROC in [0, 1]", where, what, field);
  return value;
}

}  // namespace

bool same_gene(const std::string& a, const std::string& b) {
  return a == b || strip_version(a) == strip_version(b);
}

std::vector<std::string> resolve_gene_names(const std::vector<std::string>& requested, const std::vector<Gene>& genes,
                                            const std::string& source, std::map<std::string, std::string>& names) {
  std::vector<std::string> ids;
  for (const auto& wanted : requested) {
    std::vector<const Gene*> found;
    for (const auto& gene : genes)
      if (same_gene(gene.id, wanted)) found.push_back(&gene);
    if (found.empty())
      for (const auto& gene : genes)
        if (gene.name == wanted) found.push_back(&gene);
    if (found.empty()) fail("--gene {}: neither a gene_id nor a name in {}", wanted, source);
    for (const auto* gene : found) {
      if (std::find(ids.begin(), ids.end(), gene->id) == ids.end()) ids.push_back(gene->id);
      if (!gene->name.empty() && gene->name != gene->id) names[gene->id] = gene->name;
    }
  }
  return ids;
}

BetaSummary summarize_beta(const MarkAttention& attention, const std::vector<std::string>& named_genes) {
  const std::size_t genes = attention.genes.size();
  const std::size_t marks = attention.beta.shape.size() == 2 ? attention.beta.dim(1) : 0;
  BetaSummary summary;
  summary.genes = genes;
  summary.mean.assign(marks, 0.0);
  summary.mean_on.assign(marks, 0.0);
  summary.mean_off.assign(marks, 0.0);
  std::set<std::string> wanted;
  for (const auto& gene : named_genes) wanted.insert(strip_version(gene));
  for (std::size_t g = 0; g < genes; ++g) {
    const auto& gene = attention.genes[g];
    const float* row = attention.beta.data.data() + g * marks;
    auto& by_label = gene.label ? summary.mean_on : summary.mean_off;
    (gene.label ? summary.on : summary.off) += 1;
    for (std::size_t m = 0; m < marks; ++m) {
      summary.mean[m] += row[m];
      by_label[m] += row[m];
    }
    if (!wanted.empty() && (wanted.count(gene.gene_id) || wanted.count(strip_version(gene.gene_id))))
      summary.named.push_back({gene.gene_id, gene.label, gene.probability, std::vector<double>(row, row + marks)});
  }
  const auto divide = [](std::vector<double>& sums, std::size_t count) {
    for (auto& v : sums) v = count > 0 ? v / static_cast<double>(count) : kNaN;
  };
  divide(summary.mean, genes);
  divide(summary.mean_on, summary.on);
  divide(summary.mean_off, summary.off);
  return summary;
}

SummaryEntry read_summary_entry(const fs::path& dir, const std::string& page_pattern,
                                const std::vector<std::string>& named_genes) {
  SummaryEntry entry;
  entry.metrics = read_run_folder(dir, /*metrics_only=*/true).metrics;
  if (!page_pattern.empty()) entry.page = page_name(page_pattern, entry.metrics);
  if (const auto attention = read_mark_attention(dir, entry.metrics)) entry.beta = summarize_beta(*attention, named_genes);
  return entry;
}

Published read_published(const fs::path& dir) {
  Published published;
  published.dir = dir;
  std::set<std::string> seen;
  read_published_tsv(dir / kPublishedDeepChromeFile, {"epigenome", "name", "deepchrome_auroc"}, false,
                     [&](const auto& fields, const std::string& where, const auto&) {
                       PublishedEpigenome row{std::string(fields[0]), std::string(fields[1]),
                                              published_auroc(fields[2], where, "deepchrome_auroc")};
                       if (!seen.insert(row.epigenome).second) fail("{}: epigenome {} given twice", where, row.epigenome);
                       published.deepchrome.push_back(std::move(row));
                     });
  const std::string prefix = "better_than_deepchrome_of_";
  read_published_tsv(dir / kPublishedTable2File, {"model", "mean", "median", "max", "min", prefix}, true,
                     [&](const auto& fields, const std::string& where, const auto& header) {
                       if (published.table2_epigenomes == 0)
                         published.table2_epigenomes = parse_int(std::string_view(header.back()).substr(prefix.size()),
                                                                 (dir / kPublishedTable2File).string() + ":1",
                                                                 "epigenome count of " + header.back());
                       PublishedTableRow row;
                       row.model = std::string(fields[0]);
                       row.mean = published_auroc(fields[1], where, "mean");
                       row.median = published_auroc(fields[2], where, "median");
                       row.max = published_auroc(fields[3], where, "max");
                       row.min = published_auroc(fields[4], where, "min");
                       if (!fields[5].empty()) {
                         row.better_than_deepchrome = parse_int(fields[5], where, header.back());
                         if (row.better_than_deepchrome < 0 || row.better_than_deepchrome > published.table2_epigenomes)
                           fail("{}: {} {} is not between 0 and {}", where, header.back(), fields[5],
                                published.table2_epigenomes);
                       }
                       published.table2.push_back(std::move(row));
                     });
  if (published.table2_epigenomes <= 0)
    fail("{}:1: the last column must be better_than_deepchrome_of_N with N > 0",
         (dir / kPublishedTable2File).string());
  return published;
}

fs::path default_published_dir() {
#ifdef ACHROME_PUBLISHED_DIR
  return fs::path(ACHROME_PUBLISHED_DIR);
#else
  return {};
#endif
}

std::vector<std::string> paper_model_order(const std::vector<SummaryEntry>& entries) {
  std::vector<std::string> models;
  for (const auto& name : kPaperModels)
    if (std::any_of(entries.begin(), entries.end(), [&](const SummaryEntry& e) { return e.metrics.model == name; }))
      models.push_back(name);
  for (const auto& entry : entries)
    if (std::find(models.begin(), models.end(), entry.metrics.model) == models.end())
      models.push_back(entry.metrics.model);
  return models;
}

AurocStats auroc_stats(std::vector<double> values) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }), values.end());
  AurocStats stats;
  stats.runs = values.size();
  if (values.empty()) {
    stats.mean = stats.median = stats.min = stats.max = kNaN;
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

AurocStats test_auroc_stats(const std::vector<SummaryEntry>& entries) {
  std::vector<double> values;
  for (const auto& entry : entries) values.push_back(entry.metrics.splits[2].auroc);
  return auroc_stats(std::move(values));
}

std::vector<ModelColumn> model_columns(const std::vector<SummaryEntry>& entries) {
  std::map<std::string, double> deepchrome;  // epigenome -> test AUROC
  for (const auto& entry : entries)
    if (entry.metrics.model == "deepchrome") deepchrome[entry.metrics.epigenome] = entry.metrics.splits[2].auroc;
  std::vector<ModelColumn> columns;
  for (const auto& model : paper_model_order(entries)) {
    ModelColumn column;
    column.model = model;
    std::vector<double> values;
    for (const auto& entry : entries) {
      if (entry.metrics.model != model) continue;
      const double auroc = entry.metrics.splits[2].auroc;
      values.push_back(auroc);
      const auto base = deepchrome.find(entry.metrics.epigenome);
      if (model == "deepchrome" || base == deepchrome.end() || !std::isfinite(base->second) || !std::isfinite(auroc))
        continue;
      ++column.compared;
      if (auroc > base->second) ++column.better_than_deepchrome;
    }
    column.stats = auroc_stats(std::move(values));
    columns.push_back(std::move(column));
  }
  return columns;
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

fs::path sibling_tsv(const fs::path& runs_tsv, const std::string& kind) {
  return runs_tsv.parent_path() / (runs_tsv.stem().string() + "." + kind + ".tsv");
}

SummaryFiles render_summary(const std::vector<SummaryEntry>& entries, const SummaryOptions& options) {
  if (entries.empty()) fail("summary: no runs given");
  SummaryFiles files;
  const auto models = paper_model_order(entries);
  const auto columns = model_columns(entries);
  std::vector<std::string> epigenomes;
  std::map<std::pair<std::string, std::string>, const SummaryEntry*> run_of;  // (epigenome, model)
  for (const auto& entry : entries) {
    if (std::find(epigenomes.begin(), epigenomes.end(), entry.metrics.epigenome) == epigenomes.end())
      epigenomes.push_back(entry.metrics.epigenome);
    // One cell per epigenome and model: a second run of the pair would be counted twice in the columns.
    if (!run_of.emplace(std::make_pair(entry.metrics.epigenome, entry.metrics.model), &entry).second)
      fail("summary: two runs of epigenome {} model {}", entry.metrics.epigenome, entry.metrics.model);
  }
  std::sort(epigenomes.begin(), epigenomes.end());
  const auto auroc_of = [&](const std::string& epigenome, const std::string& model) {
    const auto it = run_of.find({epigenome, model});
    return it == run_of.end() ? kNaN : it->second->metrics.splits[2].auroc;
  };
  std::map<std::string, const PublishedEpigenome*> published_of;
  if (options.published)
    for (const auto& row : options.published->deepchrome) published_of[row.epigenome] = &row;
  const auto published_auroc_of = [&](const std::string& epigenome) {
    const auto it = published_of.find(epigenome);
    return it == published_of.end() ? kNaN : it->second->deepchrome_auroc;
  };
  std::vector<double> published_here;
  for (const auto& epigenome : epigenomes) published_here.push_back(published_auroc_of(epigenome));
  const auto published_stats = auroc_stats(published_here);
  const bool show_published = options.published && published_stats.runs > 0;

  const std::string title =
      options.title.empty() ? fmt::format("achrome: {} runs", entries.size()) : options.title;
  // The page frame's stylesheet is shared with the run pages; these rules are the summary's own.
  std::string body =
      "<style>span.name { display: inline-block; max-width: 150px; overflow: hidden; text-overflow: ellipsis;"
      " white-space: nowrap; vertical-align: bottom; font-size: 0.85em; color: var(--muted); }\n"
      "div.wide { overflow-x: auto; } table.auroc th, table.auroc td { padding: 3px 7px; } table.auroc th { font-size: 0.85em; }"
      " table.auroc td { font-size: 0.95em; } table.auroc a { text-decoration: none; }\n"
      "table.heat td { min-width: 64px; }\n"
      "tr.stat th { background: #fafafa; font-weight: 600; } tr.stat:first-of-type th { border-top: 2px solid #bbb; }"
      "</style>\n";
  body += "<h1>" + escape_html(title) + "</h1>\n";
  body += fmt::format(
      "<p class=\"sub\">{} runs: {} epigenomes x {} models; test AUROC at each run's best-validation epoch.</p>\n",
      entries.size(), epigenomes.size(), models.size());
  if (!options.regression_runs.empty()) {
    std::string names;
    for (const auto& run : options.regression_runs) names += (names.empty() ? "" : ", ") + escape_html(run);
    body += fmt::format("<p class=\"note\">Left out: {} regression run{} (<code>--target regression</code>, scored by "
                        "Pearson r, not AUROC; each has its own page): {}.</p>\n",
                        options.regression_runs.size(), options.regression_runs.size() == 1 ? "" : "s", names);
  }
  body += "<div class=\"facts\">";
  for (const auto& column : columns)
    body += fact("mean test AUROC, " + column.model, format_fixed(column.stats.mean, 4));
  if (show_published) body += fact("published DeepChrome, same epigenomes", format_fixed(published_stats.mean, 4));
  body += "</div>\n";

  // Chart: one dot per run, epigenomes along x, one colour per model.
  {
    BarChart chart;
    chart.title = "";  // the section heading names it; the legend of up to 9 series needs the top line
    chart.width = std::clamp(150.0 + 16.0 * static_cast<double>(epigenomes.size()) *
                                         std::max(1.0, static_cast<double>(models.size()) / 3.0),
                             480.0, 1060.0);
    chart.height = 320;
    chart.dots = true;
    chart.rotate_labels = true;
    double low = 1;
    for (const auto& entry : entries)
      if (std::isfinite(entry.metrics.splits[2].auroc)) low = std::min(low, entry.metrics.splits[2].auroc);
    if (show_published) low = std::min(low, published_stats.min);
    chart.y = {"test AUROC", std::min(0.5, std::floor(low * 10) / 10), 1.0, 1};
    chart.categories = epigenomes;
    std::size_t others = 0;
    if (show_published) {
      BarSeries series{"published DeepChrome", kPublishedColor, {}};
      for (const auto& epigenome : epigenomes) series.values.push_back(published_auroc_of(epigenome));
      chart.series.push_back(std::move(series));
    }
    for (const auto& model : models) {
      const bool paper = std::find(kPaperModels.begin(), kPaperModels.end(), model) != kPaperModels.end();
      BarSeries series{model, model_color(model, paper ? 0 : others++), {}};
      for (const auto& epigenome : epigenomes) series.values.push_back(auroc_of(epigenome, model));
      chart.series.push_back(std::move(series));
    }
    if (models.size() == 1 && std::isfinite(columns.front().stats.mean))
      chart.reference_lines = {columns.front().stats.mean};
    body += "<h2>Test AUROC</h2>\n<figure>" + render_bar_chart(chart) + "</figure>\n";
    body += std::string("<p class=\"caption\">One dot per run, epigenomes in order")
          + (models.size() == 1 ? "; dashed line: the mean" : "; one colour per model")
          + (show_published ? "; black: DeepChrome's published test AUROC for the epigenome" : "") + ".</p>\n";
  }

  // The Table 2 layout: epigenome rows, model columns, summary rows.
  body += "<h2>Test AUROC per epigenome and model</h2>\n<div class=\"wide\"><table class=\"auroc\"><tr><th class=\"text\">epigenome</th>";
  if (show_published) body += "<th class=\"text\">cell type</th><th>published DeepChrome</th>";
  for (const auto& model : models) body += "<th>" + escape_html(model) + "</th>";
  body += "</tr>\n";
  files.auroc_tsv = "epigenome\tname\tpublished_deepchrome";
  for (const auto& model : models) files.auroc_tsv += "\t" + model;
  files.auroc_tsv += "\n";
  for (const auto& epigenome : epigenomes) {
    const auto published = published_of.find(epigenome);
    const std::string name = published == published_of.end() ? "" : published->second->name;
    const double published_value = published_auroc_of(epigenome);
    double best = -1;
    for (const auto& model : models) {
      const double v = auroc_of(epigenome, model);
      if (std::isfinite(v)) best = std::max(best, v);
    }
    body += "<tr><td class=\"text\">" + escape_html(epigenome) + "</td>";
    if (show_published)
      body += fmt::format("<td class=\"text\"><span class=\"name\" title=\"{0}\">{0}</span></td><td>",
                          escape_html(replace_all(name, "_", " "))) +
              (std::isnan(published_value) ? std::string() : format_fixed(published_value, 2)) + "</td>";
    files.auroc_tsv += epigenome + "\t" + name + "\t" + tsv_number(published_value);
    for (const auto& model : models) {
      const auto run = run_of.find({epigenome, model});
      const double v = auroc_of(epigenome, model);
      files.auroc_tsv += "\t" + tsv_number(v);
      if (run == run_of.end()) {
        body += "<td></td>";
        continue;
      }
      std::string text = format_fixed(v, 4);
      if (!run->second->page.empty())
        text = fmt::format("<a href=\"{}\">{}</a>", escape_html(run->second->page), text);
      body += v == best && models.size() > 1 ? "<td><b>" + text + "</b></td>" : "<td>" + text + "</td>";
    }
    body += "</tr>\n";
    files.auroc_tsv += "\n";
  }
  const auto stat_row = [&](const char* name, double AurocStats::*field) {
    std::string row = fmt::format("<tr class=\"stat\"><th class=\"text\">{}</th>", name);
    if (show_published) row += "<th></th><th>" + format_fixed(published_stats.*field, 4) + "</th>";
    for (const auto& column : columns) row += "<th>" + format_fixed(column.stats.*field, 4) + "</th>";
    return row + "</tr>\n";
  };
  body += stat_row("mean", &AurocStats::mean) + stat_row("median", &AurocStats::median) +
          stat_row("max", &AurocStats::max) + stat_row("min", &AurocStats::min);
  body += "<tr class=\"stat\"><th class=\"text\">better than DeepChrome</th>";
  if (show_published) body += "<th></th><th></th>";
  for (const auto& column : columns)
    body += "<th>" + (column.model == "deepchrome" ? std::string("&mdash;")
                                                    : count_of(column.better_than_deepchrome, column.compared)) +
            "</th>";
  body += "</tr>\n</table></div>\n";
  body += "<p class=\"caption\">Bold: the best of our models on the epigenome. \"Better than DeepChrome\": on how many "
          "of the epigenomes with both runs the model's test AUROC is higher than our deepchrome run's.";
  if (show_published)
    body += " Published DeepChrome: the DeepChrome paper's test AUROC for the Roadmap epigenome of that id (two "
            "decimals; Singh et al., Bioinformatics 2016); its summary rows are over the epigenomes shown.";
  body += "</p>\n";

  // Our Table 2 rows beside the paper's.
  files.table2_tsv =
      "source\tmodel\tepigenomes\tmean\tmedian\tmax\tmin\tbetter_than_deepchrome\tcompared_with_deepchrome\n";
  const auto table2_line = [](const std::string& source, const std::string& model, std::size_t n,
                              const AurocStats& s, const std::string& better, const std::string& compared) {
    return fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", source, model, n, tsv_number(s.mean),
                       tsv_number(s.median), tsv_number(s.max), tsv_number(s.min), better, compared);
  };
  for (const auto& column : columns) {
    const bool counted = column.model != "deepchrome" && column.compared > 0;
    files.table2_tsv += table2_line("achrome", column.model, column.stats.runs, column.stats,
                                    counted ? std::to_string(column.better_than_deepchrome) : "nan",
                                    counted ? std::to_string(column.compared) : "nan");
  }
  if (show_published)
    files.table2_tsv += table2_line("published_per_epigenome", "deepchrome", published_stats.runs, published_stats,
                                    "nan", "nan");
  body += "<h2>Beside the paper (AttentiveChrome, NIPS 2017, Table 2)</h2>\n";
  if (!options.published) {
    body += "<p class=\"note\">The published numbers were not found; <code>--published DIR</code> names the folder "
            "holding " + std::string(kPublishedDeepChromeFile) + " and " + kPublishedTable2File + ".</p>\n";
  } else {
    const auto& paper = *options.published;
    const auto paper_n = static_cast<std::size_t>(paper.table2_epigenomes);
    body += "<table class=\"table2\"><tr><th class=\"text\"></th>";
    for (const auto& row : paper.table2)
      body += fmt::format("<th>{0} (paper)</th><th>{0} (achrome)</th>", escape_html(row.model));
    body += "</tr>\n";
    const auto ours = [&](const PublishedTableRow& row) -> const ModelColumn* {
      for (const auto& column : columns)
        if (column.model == run_model_name(row.model)) return &column;
      return nullptr;
    };
    body += "<tr><td class=\"text\">epigenomes</td>";
    for (const auto& row : paper.table2) {
      const auto* column = ours(row);
      body += fmt::format("<td>{}</td><td>{}</td>", paper_n, column ? column->stats.runs : 0);
    }
    body += "</tr>\n";
    for (const auto& [name, paper_field, our_field] :
         std::vector<std::tuple<const char*, double PublishedTableRow::*, double AurocStats::*>>{
             {"mean", &PublishedTableRow::mean, &AurocStats::mean},
             {"median", &PublishedTableRow::median, &AurocStats::median},
             {"max", &PublishedTableRow::max, &AurocStats::max},
             {"min", &PublishedTableRow::min, &AurocStats::min}}) {
      body += fmt::format("<tr><td class=\"text\">{}</td>", name);
      for (const auto& row : paper.table2) {
        const auto* column = ours(row);
        body += fmt::format("<td>{}</td><td><b>{}</b></td>", format_fixed(row.*paper_field, 4),
                            column ? format_fixed(column->stats.*our_field, 4) : "n/a");
      }
      body += "</tr>\n";
    }
    body += "<tr><td class=\"text\">better than DeepChrome</td>";
    for (const auto& row : paper.table2) {
      const auto* column = ours(row);
      const bool is_deepchrome = run_model_name(row.model) == "deepchrome";
      body += fmt::format("<td>{}</td><td><b>{}</b></td>",
                          row.better_than_deepchrome < 0 ? "&mdash;"
                                                         : fmt::format("{} of {}", row.better_than_deepchrome, paper_n),
                          is_deepchrome ? "&mdash;"
                          : column      ? count_of(column->better_than_deepchrome, column->compared)
                                        : "n/a");
      const AurocStats stats{paper_n, row.mean, row.median, row.min, row.max};
      files.table2_tsv += table2_line("paper", run_model_name(row.model), paper_n, stats,
                                      row.better_than_deepchrome < 0 ? "nan" : std::to_string(row.better_than_deepchrome),
                                      row.better_than_deepchrome < 0 ? "nan" : std::to_string(paper_n));
    }
    body += "</tr>\n</table>\n";
    body += fmt::format(
        "<p class=\"caption\">Paper: over the {} Roadmap epigenomes, as published. achrome: over the runs on this page"
        " ({} epigenomes).{}</p>\n",
        paper_n, epigenomes.size(),
        show_published ? fmt::format(" The published DeepChrome AUROCs of these {} epigenomes average {} (median {}).",
                                     published_stats.runs, format_fixed(published_stats.mean, 4),
                                     format_fixed(published_stats.median, 4))
                       : std::string(" None of these epigenomes is among the published ones."));
  }

  // Mark attention across runs.
  files.beta_tsv = "model\tepigenome\tmark\ttest_genes\tmean_beta\tmean_beta_on\tmean_beta_off\n";
  files.genes_tsv = "gene_id\tmodel\tepigenome\tlabel\tprobability\tmark\tbeta\n";
  std::vector<std::string> beta_models;
  for (const auto& model : models)
    for (const auto& epigenome : epigenomes) {
      const auto run = run_of.find({epigenome, model});
      if (run != run_of.end() && run->second->beta) {
        beta_models.push_back(model);
        break;
      }
    }
  body += "<h2>Mark attention (&beta;) across epigenomes</h2>\n";
  if (beta_models.empty())
    body += "<p class=\"note\">No run here has mark attention (beta.npy: attentivechrome, cnn-alpha-beta).</p>\n";
  body += "<div class=\"charts\">";
  for (const auto& model : beta_models) {
    std::vector<const SummaryEntry*> runs;
    for (const auto& epigenome : epigenomes) {
      const auto run = run_of.find({epigenome, model});
      if (run != run_of.end() && run->second->beta) runs.push_back(run->second);
    }
    const auto marks = beta_marks(runs);
    const double uniform = 1.0 / static_cast<double>(std::max<std::size_t>(marks.size(), 1));
    std::vector<double> all;
    for (const auto* run : runs) all.insert(all.end(), run->beta->mean.begin(), run->beta->mean.end());
    const double spread = beta_spread(all, uniform);
    body += "<figure><table class=\"heat\"><tr><th class=\"text\">" + escape_html(model) + "</th>";
    for (const auto& mark : marks) body += "<th>" + escape_html(mark) + "</th>";
    body += "</tr>\n";
    for (const auto* run : runs) {
      const auto& beta = *run->beta;
      body += "<tr><td class=\"text\">" + escape_html(run->metrics.epigenome) + "</td>";
      for (const auto& mark : marks) body += heat_cell(value_of_mark(beta.mean, run->metrics, mark), uniform, spread);
      body += "</tr>\n";
      for (std::size_t m = 0; m < run->metrics.marks.size(); ++m)
        files.beta_tsv += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", model, run->metrics.epigenome,
                                      run->metrics.marks[m], beta.genes, tsv_number(beta.mean[m]),
                                      tsv_number(beta.mean_on[m]), tsv_number(beta.mean_off[m]));
    }
    body += "</table></figure>";
  }
  body += "</div>\n";
  if (!beta_models.empty())
    body += "<p class=\"caption\">Mean &beta; over each run's test genes; red above, blue below uniform attention "
            "(1 / marks); summary.beta.tsv also has the means over the ON and the OFF genes.</p>\n";

  // Named genes: their beta in every epigenome where they are a test gene.
  if (!options.genes.empty()) {
    body += "<h2>&beta; of named genes across epigenomes</h2>\n";
    for (const auto& requested : options.genes) {
      const auto name = options.gene_names.find(requested);
      body += "<h3>" + escape_html(requested) +
              (name == options.gene_names.end() ? std::string() : " (" + escape_html(name->second) + ")") + "</h3>\n";
      bool found = false;
      for (const auto& model : beta_models) {
        std::vector<std::pair<const SummaryEntry*, const GeneBeta*>> rows;
        for (const auto& epigenome : epigenomes) {
          const auto run = run_of.find({epigenome, model});
          if (run == run_of.end() || !run->second->beta) continue;
          for (const auto& gene : run->second->beta->named)
            if (same_gene(gene.gene_id, requested))
              rows.emplace_back(run->second, &gene);
        }
        if (rows.empty()) continue;
        found = true;
        std::vector<const SummaryEntry*> runs;
        for (const auto& row : rows) runs.push_back(row.first);
        const auto marks = beta_marks(runs);
        const double uniform = 1.0 / static_cast<double>(std::max<std::size_t>(marks.size(), 1));
        std::vector<double> all;
        for (const auto& row : rows) all.insert(all.end(), row.second->beta.begin(), row.second->beta.end());
        const double spread = beta_spread(all, uniform);
        body += "<div class=\"charts\"><figure><table class=\"heat\"><tr><th class=\"text\">" + escape_html(model) +
                "</th><th class=\"text\">label</th><th>probability</th>";
        for (const auto& mark : marks) body += "<th>&beta; " + escape_html(mark) + "</th>";
        body += "</tr>\n";
        BarChart bars;
        bars.title = "";  // the heading and the table beside it name gene and model; the legend needs the line
        bars.width = std::clamp(160.0 + 14.0 * static_cast<double>(marks.size() * rows.size()), 420.0, 1000.0);
        bars.height = 260;
        bars.categories = marks;
        double top = 0;
        for (const auto& [run, gene] : rows) {
          body += fmt::format("<tr><td class=\"text\">{}</td><td class=\"text {}\">{}</td><td>{}</td>",
                              escape_html(run->metrics.epigenome), gene->label ? "on" : "off",
                              gene->label ? "ON" : "OFF", format_fixed(gene->probability, 3));
          BarSeries series{run->metrics.epigenome, kEpigenomeColors[bars.series.size() % kEpigenomeColors.size()], {}};
          for (const auto& mark : marks) {
            const double v = value_of_mark(gene->beta, run->metrics, mark);
            body += heat_cell(v, uniform, spread);
            series.values.push_back(v);
            if (std::isfinite(v)) top = std::max(top, v);
          }
          bars.series.push_back(std::move(series));
          body += "</tr>\n";
          for (std::size_t m = 0; m < run->metrics.marks.size() && m < gene->beta.size(); ++m)
            files.genes_tsv += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", gene->gene_id, model, run->metrics.epigenome,
                                           gene->label, tsv_number(gene->probability), run->metrics.marks[m],
                                           tsv_number(gene->beta[m]));
        }
        body += "</table></figure>";
        // Grouped bars read well for a handful of epigenomes (the paper compares three); the table says the rest.
        if (rows.size() <= 8) {
          bars.y = {"β", 0, top > 0 ? std::ceil(top * 1.15 * 20) / 20 : 1, 2};
          body += "<figure>" + render_bar_chart(bars) + "</figure>";
        }
        body += "</div>\n";
      }
      if (!found)
        body += "<p class=\"note\">Not among the test genes of any run with mark attention here.</p>\n";
    }
  }

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
  body += "</table>\n<footer>achrome-report · the tables beside this page (summary.tsv, summary.auroc.tsv, "
          "summary.table2.tsv, summary.beta.tsv, summary.genes.tsv) hold every number on it for machines";
  if (options.published)
    body += " · published numbers from " + escape_html(options.published->dir.string());
  body += ".</footer>\n";
  files.html = html_page(title, body);
  files.runs_tsv = summary_tsv(entries);
  return files;
}

std::string render_summary_page(const std::vector<SummaryEntry>& entries, const std::string& title) {
  SummaryOptions options;
  options.title = title;
  return render_summary(entries, options).html;
}

}  // namespace achrome::report
