#include "report/run_page.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "metrics/classification.hpp"
#include "metrics/regression.hpp"
#include "report/html.hpp"
#include "util/error.hpp"

namespace achrome::report {

namespace {

constexpr const char* kOnColor = "#c0392b";
constexpr const char* kOffColor = "#2e6fa7";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::array<const char*, 8> kMarkColors{"#1b9e77", "#d95f02", "#7570b3", "#e7298a",
                                                  "#66a61e", "#e6ab02", "#a6761d", "#666666"};
constexpr const char* kAxisLabel = "kb from TSS, 5' to 3'";

// The TSV tables written beside the page, filled while the page is drawn so that each holds exactly
// the numbers plotted.
struct Tables {
  std::string profiles = "mark\tgroup\tkind\tkb\tvalue\n";
  std::string heat_map = "mark\tgroup\tblock\tgenes\tkb\tvalue\n";
  std::string beta = "mark\tgroup\tgenes\tmean\tp5\tq1\tmedian\tq3\tp95\n";
  std::string named = "gene_id\tmark\tkind\tkb\tvalue\n";
  std::string roc = "false_positive_rate\ttrue_positive_rate\n";
  std::string validation = "check\tview\tmark\ttrack\tgenes\tr\n";
  std::string validation_profiles = "profile\tkb\tvalue\n";
  std::string deciles = "decile\tgenes\tmean_target\tmean_prediction\n";  // regression runs only
};

bool is_regression(const RunMetrics& metrics) { return metrics.target == "regression"; }

// Numbers in the tables: 7 significant digits, the precision of the float32 arrays they come from.
std::string number(double value) { return std::isfinite(value) ? fmt::format("{:.7g}", value) : "nan"; }


std::string fact(std::string_view key, const std::string& value) {
  return fmt::format("<div class=\"fact\"><div class=\"k\">{}</div><div class=\"v\">{}</div></div>", key,
                     escape_html(value));
}

std::string metrics_table(const RunMetrics& metrics) {
  if (is_regression(metrics)) {
    std::string out = "<table><tr><th class=\"text\">split</th><th>genes</th><th>Pearson r</th><th>Spearman r</th>"
                      "<th>squared error</th></tr>\n";
    for (int s = 0; s < 3; ++s) {
      const auto& m = metrics.splits[s];
      out += fmt::format("<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                         split_name(static_cast<Split>(s)), format_count(m.genes), format_fixed(m.pearson.value_or(std::nan("")), 4),
                         format_fixed(m.spearman.value_or(std::nan("")), 4), format_fixed(m.loss, 4));
    }
    return out + "</table>\n";
  }
  std::string out =
      "<table><tr><th class=\"text\">split</th><th>genes</th><th>AUROC</th><th>AUPR</th><th>loss</th></tr>\n";
  for (int s = 0; s < 3; ++s) {
    const auto& m = metrics.splits[s];
    out += fmt::format("<tr><td class=\"text\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                       split_name(static_cast<Split>(s)), format_count(m.genes), format_fixed(m.auroc, 4),
                       format_fixed(m.aupr, 4), format_fixed(m.loss, 4));
  }
  return out + "</table>\n";
}

std::string roc_section(const RunFolder& run, Tables& tables) {
  std::string out = "<h2>ROC curve, test split</h2>\n";
  if (!run.predictions) return out + "<p class=\"note\">No predictions.tsv in the run folder.</p>\n";
  std::vector<float> scores;
  std::vector<int> labels;
  for (const auto& p : *run.predictions)
    if (p.split == Split::Test) {
      scores.push_back(p.logit);
      labels.push_back(p.label);
    }
  const auto positives = std::accumulate(labels.begin(), labels.end(), std::size_t{0});
  if (positives == 0 || positives == labels.size())
    return out + fmt::format("<p class=\"note\">The test split of predictions.tsv has {} genes and a single class; "
                             "no ROC curve.</p>\n", labels.size());
  const double area = auroc(scores, labels);
  LineChart chart;
  chart.title = fmt::format("Test ROC, AUROC = {}", format_fixed(area, 4));
  chart.width = 380;
  chart.height = 360;
  chart.x = {"false positive rate", 0, 1, 1};
  chart.y = {"true positive rate", 0, 1, 1};
  chart.diagonal = true;
  const auto points = thin_polyline(roc_points(*run.predictions, Split::Test), 0.002);
  for (const auto& point : points) tables.roc += fmt::format("{}\t{}\n", number(point.x), number(point.y));
  chart.series.push_back({"", "#1f5fa0", points});
  out += "<div class=\"charts\"><figure>" + render_line_chart(chart) + "</figure>";
  out += fmt::format(
      "<p class=\"caption\" style=\"max-width:420px\">{} test genes ({} ON, {} OFF) scored by the best-validation "
      "model. AUROC from predictions.tsv: <b>{}</b>; metrics.json: {}.</p></div>\n",
      format_count(static_cast<long long>(labels.size())), format_count(static_cast<long long>(positives)),
      format_count(static_cast<long long>(labels.size() - positives)), format_fixed(area, 4),
      format_fixed(run.metrics.splits[2].auroc, 4));
  return out;
}

// A regression run in place of the ROC: the test genes cut into ten groups by their measured
// log(1 + value), each group's mean prediction against its mean target (a scatter of thousands of
// genes would not keep the page small), and r recomputed from predictions.tsv.
std::string regression_section(const RunFolder& run, Tables& tables) {
  std::string out = "<h2>Predicted against measured expression, test split</h2>\n";
  if (!run.predictions) return out + "<p class=\"note\">No predictions.tsv in the run folder.</p>\n";
  std::vector<double> targets, predictions;
  for (const auto& p : *run.predictions)
    if (p.split == Split::Test) {
      targets.push_back(p.target);
      predictions.push_back(p.logit);
    }
  if (targets.size() < 2)
    return out + fmt::format("<p class=\"note\">The test split of predictions.tsv has {} genes; no r.</p>\n",
                             targets.size());
  const double r = pearson(predictions, targets);
  std::vector<std::size_t> order(targets.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return targets[a] < targets[b]; });
  const std::size_t groups = std::min<std::size_t>(10, order.size());
  Series series{"", "#1f5fa0", {}, false, true};
  double low = 0, high = 0;
  for (std::size_t d = 0; d < groups; ++d) {
    const std::size_t first = d * order.size() / groups, last = (d + 1) * order.size() / groups;
    double sum_target = 0, sum_prediction = 0;
    for (std::size_t i = first; i < last; ++i) {
      sum_target += targets[order[i]];
      sum_prediction += predictions[order[i]];
    }
    const double n = static_cast<double>(last - first);
    series.points.push_back({sum_target / n, sum_prediction / n});
    tables.deciles += fmt::format("{}\t{}\t{}\t{}\n", d + 1, last - first, number(sum_target / n),
                                  number(sum_prediction / n));
    for (double v : {sum_target / n, sum_prediction / n}) {
      low = std::min(low, v);
      high = std::max(high, v);
    }
  }
  high = std::ceil(high * 2) / 2 + (high == std::ceil(high * 2) / 2 ? 0.5 : 0);
  low = std::floor(low * 2) / 2;
  LineChart chart;
  chart.title = fmt::format("Test genes in tenths, r = {}", format_fixed(r, 4));
  chart.width = 380;
  chart.height = 360;
  chart.x = {"measured log(1 + value), group mean", low, high, 1};
  chart.y = {"predicted, group mean", low, high, 1};
  chart.diagonal = true;  // prediction = measurement
  chart.series.push_back(std::move(series));
  out += "<div class=\"charts\"><figure>" + render_line_chart(chart) + "</figure>";
  out += fmt::format(
      "<p class=\"caption\" style=\"max-width:420px\">{} test genes scored by the best-validation model, sorted by "
      "their measured log(1 + value) and cut into {} groups of equal size; a dot is a group's mean prediction against "
      "its mean measurement, the diagonal is a perfect prediction. Pearson r from predictions.tsv: <b>{}</b>; "
      "metrics.json: {} (Spearman r {}).</p></div>\n",
      format_count(static_cast<long long>(targets.size())), groups, format_fixed(r, 4),
      format_fixed(run.metrics.splits[2].pearson.value_or(std::nan("")), 4), format_fixed(run.metrics.splits[2].spearman.value_or(std::nan("")), 4));
  return out;
}

std::string history_section(const RunFolder& run) {
  std::string out = "<h2>Training history</h2>\n";
  if (!run.history || run.history->empty()) return out + "<p class=\"note\">No history.tsv in the run folder.</p>\n";
  const auto& history = *run.history;
  Series train_auroc{"train", "#999999", {}, false, true}, valid{"valid", "#1b9e77", {}, false, true},
      test{"test", "#d95f02", {}, false, true}, train_loss{"train", "#999999", {}, false, true},
      valid_loss{"valid", "#1b9e77", {}, false, true};
  double auroc_min = 1, loss_max = 0, first = history.front().epoch, last = history.front().epoch;
  for (const auto& r : history) {
    const double epoch = r.epoch;
    train_auroc.points.push_back({epoch, r.train_auroc});
    valid.points.push_back({epoch, r.valid_auroc});
    test.points.push_back({epoch, r.test_auroc});
    train_loss.points.push_back({epoch, r.train_loss});
    valid_loss.points.push_back({epoch, r.valid_loss});
    for (double v : {r.train_auroc, r.valid_auroc, r.test_auroc})
      if (std::isfinite(v)) auroc_min = std::min(auroc_min, v);
    for (double v : {r.train_loss, r.valid_loss})
      if (std::isfinite(v)) loss_max = std::max(loss_max, v);
    first = std::min(first, epoch);
    last = std::max(last, epoch);
  }
  if (last <= first) last = first + 1;
  const Marker best{static_cast<double>(run.metrics.best_epoch), "best"};
  const bool regression = is_regression(run.metrics);
  LineChart aurocs;
  aurocs.title = regression ? "Pearson r per epoch" : "AUROC per epoch";
  aurocs.width = 440;
  aurocs.x = {"epoch", first, last, 0};
  aurocs.y = {regression ? "Pearson r" : "AUROC", std::min(0.5, std::floor(auroc_min * 20) / 20), 1, 2};
  aurocs.series = {train_auroc, valid, test};
  aurocs.markers = {best};
  LineChart losses;
  losses.title = "Loss per epoch";
  losses.width = 440;
  losses.x = aurocs.x;
  losses.y = {regression ? "squared error" : "BCE loss", 0, loss_max > 0 ? std::ceil(loss_max * 10) / 10 : 1, 1};
  losses.series = {train_loss, valid_loss};
  losses.markers = {best};
  out += "<div class=\"charts\"><figure>" + render_line_chart(aurocs) + "</figure><figure>" +
         render_line_chart(losses) + "</figure></div>\n";
  double seconds = 0;
  for (const auto& r : history) seconds += r.seconds;
  out += fmt::format("<p class=\"caption\">{} epochs, {} s in all; the dashed line marks the best-validation epoch "
                     "({}), whose model gives every number on this page.</p>\n",
                     history.size(), format_fixed(seconds, 1), run.metrics.best_epoch);
  return out;
}

// Decimals that tell apart the ticks of an axis spanning `span` (about 5 ticks).
int tick_digits(double span) {
  const double step = span / 5;
  return step > 0 && std::isfinite(step) ? std::clamp(static_cast<int>(std::ceil(-std::log10(step))), 0, 6) : 2;
}

// How stored columns map to drawn positions, 5' to 3' of each gene.
struct Layout {
  std::size_t bins = 0;
  std::vector<double> kb;      // drawn position -> bin centre, kb from the TSS
  double upstream_kb = 5, downstream_kb = 5;
  bool reverse_minus = false;  // bins in genomic order: minus-strand genes are read backwards
  std::size_t minus = 0, unknown = 0;  // genes on '-', genes without a strand

  // The stored column drawn at position k for a gene.
  std::size_t column(const AttentionGene& gene, std::size_t k) const {
    return reverse_minus && gene.strand == '-' ? bins - 1 - k : k;
  }
};

// Mean over the selected genes of array[g, panel, :] drawn 5' to 3' (absolute values for saliency).
std::vector<double> mean_profile(const NpyArray& array, const std::vector<AttentionGene>& genes, std::size_t panel,
                                 const std::vector<std::size_t>& selected, const Layout& layout, bool absolute) {
  const std::size_t bins = layout.bins, row = array.dim(1) * bins;
  std::vector<double> sum(bins, 0.0);
  for (std::size_t g : selected) {
    const float* values = array.data.data() + g * row + panel * bins;
    for (std::size_t k = 0; k < bins; ++k) {
      const double v = values[layout.column(genes[g], k)];
      sum[k] += absolute ? std::abs(v) : v;
    }
  }
  for (auto& v : sum) v = selected.empty() ? kNaN : v / static_cast<double>(selected.size());
  return sum;
}

std::vector<std::size_t> genes_with_label(const std::vector<AttentionGene>& genes, int label) {
  std::vector<std::size_t> out;
  for (std::size_t g = 0; g < genes.size(); ++g)
    if (genes[g].label == label) out.push_back(g);
  return out;
}

double top_of(const std::vector<std::vector<double>>& profiles) {
  double top = 0;
  for (const auto& profile : profiles)
    for (double v : profile)
      if (std::isfinite(v)) top = std::max(top, v);
  return top;
}

// One ON-vs-OFF profile chart; its numbers go to profiles.tsv.
std::string profile_chart(const std::string& title, const std::string& mark, const char* kind, const std::string& y_label,
                          const std::vector<double>& on, const std::vector<double>& off, const Layout& layout,
                          Tables& tables) {
  const double top = top_of({on, off});
  LineChart chart;
  chart.title = title;
  chart.width = 340;
  chart.height = 220;
  chart.x = {kAxisLabel, -layout.upstream_kb, layout.downstream_kb, 0};
  chart.y = {y_label, 0, top > 0 ? top * 1.1 : 1.0, tick_digits(top > 0 ? top * 1.1 : 1.0)};
  Series on_series{"ON", kOnColor, {}}, off_series{"OFF", kOffColor, {}};
  for (std::size_t k = 0; k < layout.bins; ++k) {
    on_series.points.push_back({layout.kb[k], on[k]});
    off_series.points.push_back({layout.kb[k], off[k]});
  }
  for (const auto& [group, values] : {std::pair{"ON", &on}, std::pair{"OFF", &off}})
    for (std::size_t k = 0; k < layout.bins; ++k)
      tables.profiles += fmt::format("{}\t{}\t{}\t{}\t{}\n", mark, group, kind, number(layout.kb[k]),
                                     number((*values)[k]));
  chart.series = {on_series, off_series};
  chart.markers = {{0, "TSS"}};
  return "<figure>" + render_line_chart(chart) + "</figure>";
}

std::string orientation_note(const Layout& layout, const RunFolder& run) {
  std::string out;
  if (!layout.reverse_minus)
    out = "Bins are stored 5' to 3' for every gene (transcript orientation), and drawn as stored.";
  else if (layout.unknown == 0)
    out = fmt::format("Bins are stored in genomic order; the {} minus-strand genes of the {} are drawn reversed, so "
                      "every profile runs 5' to 3' of its gene.",
                      format_count(static_cast<long long>(layout.minus)),
                      format_count(static_cast<long long>(run.genes.size())));
  else
    out = "<b>The run folder records no strands</b> (attention_genes.tsv without a strand column: a run from before "
          "they were recorded), so minus-strand genes are drawn in genomic order and profiles mix both directions.";
  out += run.geometry ? " Window from geometry.json." : " No geometry.json in the run folder: window and orientation "
                                                        "from --upstream, --downstream and --orientation.";
  return out;
}

std::string profiles_section(const RunFolder& run, const RunPageOptions& options, const Layout& layout,
                             Tables& tables) {
  std::string out = "<h2>Where the model looks, 5' to 3' of each gene (test genes)</h2>\n";
  if (run.genes.empty() || (!run.attention && !run.saliency && !options.signal))
    return out + "<p class=\"note\">No attention, saliency or input signal in the run folder.</p>\n";
  const auto& marks = run.metrics.marks;
  const auto on = genes_with_label(run.genes, 1), off = genes_with_label(run.genes, 0);
  const bool shared = run.attention && run.attention->alpha.dim(1) == 1 && marks.size() != 1;
  out += fmt::format(
      "<p class=\"caption\">ON and OFF are the genes' labels ({} ON, {} OFF test genes). Per mark: bin attention "
      "&alpha; (mean; uniform would be {}), saliency (mean |d logit / d input|) and the input signal (mean). {}</p>\n",
      format_count(static_cast<long long>(on.size())), format_count(static_cast<long long>(off.size())),
      format_fixed(1.0 / static_cast<double>(layout.bins), 3), orientation_note(layout, run));
  if (shared) {
    const auto& alpha = run.attention->alpha;
    out += "<div class=\"charts\">" +
           profile_chart("α, all marks (one attention)", "all", "alpha", "mean α",
                         mean_profile(alpha, run.genes, 0, on, layout, false),
                         mean_profile(alpha, run.genes, 0, off, layout, false), layout, tables) +
           "</div>\n";
  }
  for (std::size_t m = 0; m < marks.size(); ++m) {
    out += "<div class=\"charts\">";
    if (run.attention && !shared) {
      const auto& alpha = run.attention->alpha;
      out += profile_chart("α, " + marks[m], marks[m], "alpha", "mean α",
                           mean_profile(alpha, run.genes, m, on, layout, false),
                           mean_profile(alpha, run.genes, m, off, layout, false), layout, tables);
    }
    if (run.saliency)
      out += profile_chart("saliency, " + marks[m], marks[m], "saliency", "mean |saliency|",
                           mean_profile(*run.saliency, run.genes, m, on, layout, true),
                           mean_profile(*run.saliency, run.genes, m, off, layout, true), layout, tables);
    if (options.signal)
      out += profile_chart("signal, " + marks[m], marks[m], "signal", "mean input",
                           mean_profile(*options.signal, run.genes, m, on, layout, false),
                           mean_profile(*options.signal, run.genes, m, off, layout, false), layout, tables);
    out += "</div>\n";
  }
  if (!options.signal)
    out += "<p class=\"note\">Input signal not drawn: give achrome-report the study's --genes and one --mark "
           "MARK=FILE.npy per mark.</p>\n";
  return out;
}

// A profile scaled to a largest absolute value of 1, so that attention, gradients and read counts
// share one axis: Pearson's r compares shapes, and so does the eye.
std::vector<double> scaled_to_unit(const std::vector<double>& profile) {
  double top = 0;
  for (double v : profile)
    if (std::isfinite(v)) top = std::max(top, std::abs(v));
  std::vector<double> out(profile);
  if (top > 0)
    for (auto& v : out) v /= top;
  return out;
}

// One validation chart; each profile has its legend entry and its name in validation_profiles.tsv.
struct NamedProfile {
  std::string legend, name;
  const std::vector<double>* values;
};

std::string validation_chart(const std::string& title, const std::vector<NamedProfile>& profiles, const Layout& layout,
                             Tables& tables) {
  // The title goes below: the legend takes the top row.
  LineChart chart;
  chart.width = 420;
  chart.height = 240;
  chart.x = {kAxisLabel, -layout.upstream_kb, layout.downstream_kb, 0};
  chart.y = {"scaled to largest |value| = 1", -1.05, 1.05, 1};
  for (std::size_t i = 0; i < profiles.size(); ++i) {
    const auto& [legend, name, values] = profiles[i];
    if (values->empty()) continue;
    Series series{legend, kMarkColors[i % kMarkColors.size()], {}};
    series.dashed = i + 1 == profiles.size();  // the validation track
    const auto scaled = scaled_to_unit(*values);
    for (std::size_t k = 0; k < layout.bins; ++k) {
      series.points.push_back({layout.kb[k], scaled[k]});
      tables.validation_profiles += fmt::format("{}\t{}\t{}\n", name, number(layout.kb[k]), number((*values)[k]));
    }
    chart.series.push_back(std::move(series));
  }
  chart.markers = {{0, "TSS"}};
  return "<figure>" + render_line_chart(chart) + "<figcaption>" + escape_html(title) + "</figcaption></figure>";
}

std::string validation_section(const RunFolder& run, const RunPageOptions& options, const Layout& layout,
                               Tables& tables) {
  if (!options.validation) return "";
  const auto& track = *options.validation;
  std::string out = fmt::format("<h2>Attention against a mark the model never saw: {}</h2>\n", escape_html(track.mark));
  const auto& marks = run.metrics.marks;
  const auto found = std::find(marks.begin(), marks.end(), options.validation_mark);
  if (found == marks.end())
    fail("--validation-mark {}: not a mark of the run ({})", options.validation_mark, fmt::join(marks, ", "));
  if (track.bins != layout.bins) fail("{}: {} bins, the run {}", track.path.string(), track.bins, layout.bins);
  if (!run.attention && !run.saliency)
    return out + "<p class=\"note\">The run folder has neither attention nor saliency to compare.</p>\n";
  // Both checks split the genes by class (predicted ON; labelled ON minus OFF) and use d logit / d input,
  // which a regression does not have in that sense.
  if (is_regression(run.metrics))
    return out + "<p class=\"note\">These checks apply to classification runs; this run is a regression "
                 "(--target regression), so its validation tables hold only their headers.</p>\n";
  ValidationInputs inputs;
  inputs.genes = &run.genes;
  inputs.alpha = run.attention ? &run.attention->alpha : nullptr;
  inputs.saliency = run.saliency ? &*run.saliency : nullptr;
  inputs.track = &track;
  inputs.mark = static_cast<std::size_t>(found - marks.begin());
  inputs.mark_name = options.validation_mark;
  for (const auto& gene : run.genes) inputs.reversed.push_back(layout.reverse_minus && gene.strand == '-');
  const auto result = validate_attention(inputs);
  const auto& mark = escape_html(result.mark);
  const auto& name = escape_html(result.track);
  const auto count = [](std::size_t n) { return format_count(static_cast<long long>(n)); };
  out += fmt::format(
      "<p class=\"caption\">{track} is not an input of the model. <b>The paper's check</b> (its Table 3) is Pearson's r, "
      "over the {bins} bins, between the mean {mark} attention &alpha; (or mean |saliency|) of the {on} test genes "
      "predicted ON and the mean {track} signal of the same genes. Attention follows its input whatever the model "
      "learned, and both marks peak at the TSS, so this r is large for models trained on shuffled labels too, of "
      "either sign. <b>What the model learned</b> correlates the mean over all {genes} test genes of &alpha; &times; "
      "d logit / d {mark} (where the model looks, and whether more signal there calls the gene ON), or of d logit / "
      "d {mark} alone, with the {track} profile of the {labelled_on} genes labelled ON minus that of the "
      "{labelled_off} labelled OFF. It needs gradients of a consistent sign, which training on shuffled labels does "
      "not give, so on average it falls towards 0 for such runs, though a single one can still show a sizeable r "
      "(the measurements are in achrome's docs/report.md). Profiles run 5' to 3'.</p>\n",
      fmt::arg("track", name), fmt::arg("bins", layout.bins), fmt::arg("mark", mark),
      fmt::arg("on", count(result.predicted_on)), fmt::arg("genes", count(result.genes)),
      fmt::arg("labelled_on", count(result.labelled_on)), fmt::arg("labelled_off", count(result.labelled_off)));
  const auto r_of = [&](const std::string& check, const std::string& view) -> const ValidationCorrelation* {
    for (const auto& c : result.correlations)
      if (c.check == check && c.view == view) return &c;
    return nullptr;
  };
  const auto cell = [&](const std::string& check, const std::string& view) -> std::string {
    const auto* c = r_of(check, view);
    if (c == nullptr) return "<td>&ndash;</td>";
    const bool no_on = check == "paper" && result.predicted_on == 0;
    return fmt::format("<td class=\"r-{}-{}\">{}</td>", check, view,
                       std::isfinite(c->r) ? format_fixed(c->r, 3) : no_on ? "n/a (no gene predicted ON)" : "n/a");
  };
  out += "<table><tr><th class=\"text\">check</th><th class=\"text\">genes</th><th>r, &alpha;</th><th>r, saliency</th></tr>\n";
  out += fmt::format("<tr><td class=\"text\">the paper's: {mark} over genes predicted ON vs {track}</td><td class=\"text\">"
                     "{on} predicted ON</td>{a}{s}</tr>\n",
                     fmt::arg("mark", mark), fmt::arg("track", name), fmt::arg("on", count(result.predicted_on)),
                     fmt::arg("a", cell("paper", "alpha")), fmt::arg("s", cell("paper", "saliency")));
  out += fmt::format("<tr><td class=\"text\">what the model learned: gradient of {mark} vs {track} ON minus OFF</td>"
                     "<td class=\"text\">{genes} test genes</td>{a}{s}</tr>\n</table>\n",
                     fmt::arg("mark", mark), fmt::arg("track", name), fmt::arg("genes", count(result.genes)),
                     fmt::arg("a", cell("learned", "alpha")), fmt::arg("s", cell("learned", "saliency")));
  for (const auto& c : result.correlations) {
    const std::size_t genes = c.check == "paper" ? result.predicted_on : result.genes;
    tables.validation += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\n", c.check, c.view, result.mark, result.track, genes, number(c.r));
  }
  const auto& p = result.profiles;
  out += "<div class=\"charts\">";
  out += validation_chart("paper's check: predicted ON",
                          {{"α", "alpha_on", &p.alpha_on},
                           {"|saliency|", "saliency_on", &p.saliency_on},
                           {result.track, "track_on", &p.track_on}},
                          layout, tables);
  out += validation_chart("learned: all test genes",
                          {{"α × gradient", "attended_gradient", &p.attended_gradient},
                           {"gradient", "gradient", &p.gradient},
                           {result.track + " ON − OFF", "track_contrast", &p.track_contrast}},
                          layout, tables);
  return out + "</div>\n";
}

// Genes predicted ON (probability >= 0.5) from the most confident down, or OFF from the most
// confident (lowest probability) up. A regression run has no probability: its genes predicted at or
// above the median prediction count as ON (`median`).
std::vector<std::size_t> by_confidence(const std::vector<AttentionGene>& genes, bool predicted_on,
                                       std::optional<double> median = std::nullopt) {
  std::vector<std::size_t> order;
  for (std::size_t g = 0; g < genes.size(); ++g)
    if ((median ? genes[g].logit >= *median : genes[g].probability >= 0.5f) == predicted_on) order.push_back(g);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return predicted_on ? genes[a].logit > genes[b].logit : genes[a].logit < genes[b].logit;
  });
  return order;
}

// Rows of `order` averaged in consecutive blocks, at most max_rows of them: [blocks, bins] drawn 5' to 3'.
std::vector<double> block_means(const NpyArray& array, const std::vector<AttentionGene>& genes, std::size_t panel,
                                const std::vector<std::size_t>& order, std::size_t blocks, const Layout& layout,
                                std::vector<std::size_t>& sizes) {
  const std::size_t bins = layout.bins, row = array.dim(1) * bins;
  std::vector<double> out(blocks * bins, 0.0);
  sizes.assign(blocks, 0);
  for (std::size_t b = 0; b < blocks; ++b) {
    const std::size_t first = b * order.size() / blocks, last = (b + 1) * order.size() / blocks;
    sizes[b] = last - first;
    for (std::size_t i = first; i < last; ++i) {
      const std::size_t g = order[i];
      const float* values = array.data.data() + g * row + panel * bins;
      for (std::size_t k = 0; k < bins; ++k) out[b * bins + k] += values[layout.column(genes[g], k)];
    }
    for (std::size_t k = 0; k < bins; ++k) out[b * bins + k] /= static_cast<double>(std::max<std::size_t>(sizes[b], 1));
  }
  return out;
}

std::string heat_map_section(const RunFolder& run, const RunPageOptions& options, const Layout& layout,
                             Tables& tables) {
  if (!run.attention)
    return "<h2>Bin attention (&alpha;) per gene</h2>\n<p class=\"note\">This model has no bin attention (no alpha.npy): "
           "its page shows saliency only.</p>\n";
  const auto& alpha = run.attention->alpha;
  const auto& marks = run.metrics.marks;
  const bool shared = alpha.dim(1) == 1 && marks.size() != 1;
  const std::vector<std::string> panels = shared ? std::vector<std::string>{"all"} : marks;
  std::optional<double> median;
  if (is_regression(run.metrics) && !run.genes.empty()) {
    std::vector<double> predictions;
    for (const auto& gene : run.genes) predictions.push_back(gene.logit);
    std::sort(predictions.begin(), predictions.end());
    const std::size_t n = predictions.size();
    median = n % 2 ? predictions[n / 2] : (predictions[n / 2 - 1] + predictions[n / 2]) / 2;
  }
  const auto on = by_confidence(run.genes, true, median), off = by_confidence(run.genes, false, median);
  const std::size_t max_rows = std::max<std::size_t>(options.heat_map_rows, 1);
  std::string out = "<h2>Bin attention (&alpha;) per gene, test genes predicted ON and OFF</h2>\n";
  out += fmt::format(
      "<p class=\"caption\">Rows are genes sorted by confidence, the most confident at the top: {} predicted ON "
      "({}) and {} predicted OFF. Above {} genes, consecutive genes are averaged in blocks so that "
      "each map has at most {} rows. Columns run 5' to 3'; the colour scale of each mark is shared by its two maps "
      "and runs from the 1st to the 99th percentile of their cells.</p>\n",
      format_count(static_cast<long long>(on.size())),
      median ? fmt::format("a regression: predicted log(1 + value) &ge; the median prediction, {}",
                           format_fixed(*median, 3))
             : std::string("probability &ge; 0.5"),
      format_count(static_cast<long long>(off.size())), max_rows, max_rows);
  for (std::size_t p = 0; p < panels.size(); ++p) {
    std::vector<double> maps[2];
    std::vector<std::size_t> sizes[2];
    const std::vector<std::size_t>* orders[2] = {&on, &off};
    std::vector<double> cells;
    for (int side = 0; side < 2; ++side) {
      const std::size_t blocks = std::min(orders[side]->size(), max_rows);
      maps[side] = block_means(alpha, run.genes, p, *orders[side], blocks, layout, sizes[side]);
      cells.insert(cells.end(), maps[side].begin(), maps[side].end());
    }
    std::sort(cells.begin(), cells.end());
    const double bottom = cells.empty() ? 0 : quantile_sorted(cells, 0.01);
    const double top = cells.empty() ? 1 : quantile_sorted(cells, 0.99);
    out += "<div class=\"charts\">";
    for (int side = 0; side < 2; ++side) {
      const char* group = side == 0 ? "ON" : "OFF";
      HeatMap map;
      map.title = fmt::format("α, {}: predicted {} ({} genes)", shared ? "all marks" : panels[p], group,
                              format_count(static_cast<long long>(orders[side]->size())));
      map.width = 360;
      map.height = 330;
      map.x = {kAxisLabel, -layout.upstream_kb, layout.downstream_kb, 0};
      map.row_label = sizes[side].size() < orders[side]->size() ? "genes by confidence (blocks)" : "genes by confidence";
      map.rows = sizes[side].size();
      map.columns = layout.bins;
      map.values = maps[side];
      map.min = bottom;
      map.max = top > bottom ? top : bottom + 1;
      map.scale_label = "α";
      map.markers = {{0, "TSS"}};
      out += "<figure>" + render_heat_map(map) + "</figure>";
      for (std::size_t b = 0; b < map.rows; ++b)
        for (std::size_t k = 0; k < layout.bins; ++k)
          tables.heat_map += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\n", panels[p], group, b + 1, sizes[side][b],
                                         number(layout.kb[k]), number(map.values[b * layout.bins + k]));
    }
    out += "</div>\n";
  }
  return out;
}

BoxStats box_stats(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  BoxStats b;
  b.low = quantile_sorted(values, 0.05);
  b.q1 = quantile_sorted(values, 0.25);
  b.median = quantile_sorted(values, 0.5);
  b.q3 = quantile_sorted(values, 0.75);
  b.high = quantile_sorted(values, 0.95);
  b.mean = values.empty() ? kNaN : std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  return b;
}

std::string beta_section(const RunFolder& run, Tables& tables) {
  std::string out = "<h2>Mark attention (&beta;), test genes</h2>\n";
  if (!run.attention || !run.attention->beta) return out + "<p class=\"note\">This model has no mark attention (no beta.npy).</p>\n";
  const auto& beta = *run.attention->beta;
  const auto& marks = run.metrics.marks;
  BoxPlot plot;
  plot.title = "β per mark: 5th, 25th, 50th, 75th, 95th percentiles and mean";
  plot.width = std::max(460.0, 120.0 * static_cast<double>(marks.size()));
  plot.height = 280;
  plot.categories = marks;
  double top = 0;
  for (int label : {1, 0}) {
    const auto selected = genes_with_label(run.genes, label);
    BoxSeries series{label ? "ON" : "OFF", label ? kOnColor : kOffColor, {}};
    for (std::size_t m = 0; m < marks.size(); ++m) {
      std::vector<double> values;
      for (std::size_t g : selected) values.push_back(beta.data[g * marks.size() + m]);
      const auto b = box_stats(values);
      if (std::isfinite(b.high)) top = std::max(top, b.high);
      series.boxes.push_back(b);
      tables.beta += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", marks[m], series.name, selected.size(),
                                 number(b.mean), number(b.low), number(b.q1), number(b.median), number(b.q3),
                                 number(b.high));
    }
    plot.series.push_back(std::move(series));
  }
  plot.y = {"β", 0, top > 0 ? std::ceil(top * 1.1 * 20) / 20 : 1, 2};
  out += "<figure>" + render_box_plot(plot) + "</figure>\n";
  out += fmt::format("<p class=\"caption\">Boxes span the quartiles with the median as a line; whiskers reach the 5th "
                     "and 95th percentiles; the dot is the mean. Uniform attention would be {}.</p>\n",
                     format_fixed(1.0 / static_cast<double>(marks.size()), 3));
  return out;
}

// One chart of a named gene: one series per mark (or one for shared attention).
std::string gene_chart(const std::string& title, const std::string& gene_id, const char* kind, const NpyArray& array,
                       std::size_t g, const std::vector<std::string>& series_names, const AttentionGene& gene,
                       const Layout& layout, Tables& tables) {
  LineChart chart;
  chart.title = title;
  chart.width = 340;
  chart.height = 230;
  chart.x = {kAxisLabel, -layout.upstream_kb, layout.downstream_kb, 0};
  double low = 0, high = 0;
  const std::size_t panels = array.dim(1), bins = layout.bins;
  for (std::size_t p = 0; p < panels; ++p) {
    // The marks' legend is one line of HTML above the gene's charts (five names do not fit in a chart).
    Series series{"", series_names.size() > 1 ? kMarkColors[p % kMarkColors.size()] : "#555555", {}};
    const float* values = array.data.data() + (g * panels + p) * bins;
    for (std::size_t k = 0; k < bins; ++k) {
      const double v = values[layout.column(gene, k)];
      series.points.push_back({layout.kb[k], v});
      low = std::min(low, v);
      high = std::max(high, v);
      tables.named += fmt::format("{}\t{}\t{}\t{}\t{}\n", gene_id, series_names[p], kind, number(layout.kb[k]), number(v));
    }
    chart.series.push_back(std::move(series));
  }
  const double span = high - low;
  chart.y = {kind, low < 0 ? low - span * 0.05 : 0, high > low ? high + span * 0.1 : 1, tick_digits(span > 0 ? span : 1)};
  chart.markers = {{0, "TSS"}};
  return "<figure>" + render_line_chart(chart) + "</figure>";
}

std::string named_genes_section(const RunFolder& run, const RunPageOptions& options, const Layout& layout,
                                Tables& tables) {
  if (options.genes.empty()) return "";
  const auto& marks = run.metrics.marks;
  std::string out = "<h2>Named genes</h2>\n";
  out += "<p class=\"caption\">Input signal, bin attention &alpha; and saliency per mark, 5' to 3' of the gene, and "
         "its mark attention &beta;.</p>\n";
  for (const auto& id : options.genes) {
    const auto it = std::find_if(run.genes.begin(), run.genes.end(), [&](const AttentionGene& g) { return g.gene_id == id; });
    if (it == run.genes.end())
      fail("--gene {}: not a test gene of {} (the genes of attention_genes.tsv)", id, run.dir.string());
    const std::size_t g = static_cast<std::size_t>(it - run.genes.begin());
    const auto& gene = *it;
    const std::string predicted =
        is_regression(run.metrics)
            ? fmt::format("predicted log(1 + value) {}", format_fixed(gene.logit, 3))
            : fmt::format("predicted probability {} (logit {})", format_fixed(gene.probability, 3),
                          format_fixed(gene.logit, 2));
    out += fmt::format("<h3>{}</h3>\n<p class=\"sub\">label {}, {}, strand {}</p>\n", escape_html(id),
                       gene.label ? "ON" : "OFF", predicted, gene.strand ? std::string(1, gene.strand) : "not recorded");
    out += "<p class=\"caption\">";
    for (std::size_t m = 0; m < marks.size(); ++m)
      out += fmt::format("<span style=\"color:{}\">&#9632;</span>&nbsp;{} &nbsp; ", kMarkColors[m % kMarkColors.size()],
                         escape_html(marks[m]));
    out += "</p>\n<div class=\"charts\">";
    if (options.signal) out += gene_chart("input signal", id, "signal", *options.signal, g, marks, gene, layout, tables);
    if (run.attention) {
      const bool shared = run.attention->alpha.dim(1) == 1 && marks.size() != 1;
      out += gene_chart("bin attention α", id, "alpha", run.attention->alpha, g,
                        shared ? std::vector<std::string>{"all"} : marks, gene, layout, tables);
    }
    if (run.saliency) out += gene_chart("saliency", id, "saliency", *run.saliency, g, marks, gene, layout, tables);
    if (run.attention && run.attention->beta) {
      BarChart bars;
      bars.title = "mark attention β";
      bars.width = 300;
      bars.height = 230;
      bars.categories = marks;
      std::vector<double> values;
      for (std::size_t m = 0; m < marks.size(); ++m) {
        values.push_back(run.attention->beta->data[g * marks.size() + m]);
        tables.named += fmt::format("{}\t{}\tbeta\t.\t{}\n", id, marks[m], number(values.back()));
      }
      bars.y = {"β", 0, std::max(0.05, std::ceil(*std::max_element(values.begin(), values.end()) * 1.15 * 20) / 20), 2};
      bars.series = {{"", "#555555", values}};
      bars.rotate_labels = marks.size() > 3;
      out += "<figure>" + render_bar_chart(bars) + "</figure>";
    }
    out += "</div>\n";
  }
  return out;
}

std::string top_genes_section(const RunFolder& run, const RunPageOptions& options) {
  if (run.genes.empty()) return "";
  const auto& marks = run.metrics.marks;
  const bool beta = run.attention && run.attention->beta;
  std::vector<std::size_t> order(run.genes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return run.genes[a].logit > run.genes[b].logit; });
  order.resize(std::min(order.size(), options.top_genes));
  const bool regression = is_regression(run.metrics);
  std::string out = fmt::format("<h2>Top {} test genes by {}</h2>\n", order.size(),
                                regression ? "predicted log(1 + value)" : "predicted probability");
  out += regression ? "<table><tr><th class=\"text\">gene</th><th class=\"text\">label</th><th>prediction</th>"
                    : "<table><tr><th class=\"text\">gene</th><th class=\"text\">label</th><th>probability</th><th>logit</th>";
  if (beta)
    for (const auto& mark : marks) out += "<th>β " + escape_html(mark) + "</th>";
  out += "</tr>\n";
  for (std::size_t g : order) {
    const auto& gene = run.genes[g];
    out += regression
               ? fmt::format("<tr><td class=\"text\">{}</td><td class=\"text {}\">{}</td><td>{}</td>",
                             escape_html(gene.gene_id), gene.label ? "on" : "off", gene.label ? "ON" : "OFF",
                             format_fixed(gene.logit, 3))
               : fmt::format("<tr><td class=\"text\">{}</td><td class=\"text {}\">{}</td><td>{}</td><td>{}</td>",
                             escape_html(gene.gene_id), gene.label ? "on" : "off", gene.label ? "ON" : "OFF",
                             format_fixed(gene.probability, 3), format_fixed(gene.logit, 2));
    if (beta)
      for (std::size_t m = 0; m < marks.size(); ++m)
        out += "<td>" + format_fixed(run.attention->beta->data[g * marks.size() + m], 3) + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string provenance_section(const RunMetrics& metrics) {
  const auto provenance = provenance_entries(metrics);
  if (provenance.empty()) return "";
  std::string out = "<h2>Provenance</h2>\n<table>";
  for (const auto& [key, value] : provenance)
    out += fmt::format("<tr><td class=\"text\">{}</td><td class=\"text\"><code>{}</code></td></tr>\n",
                       escape_html(key), escape_html(value));
  return out + "</table>\n";
}

}  // namespace

std::vector<Point> roc_points(const std::vector<Prediction>& predictions, Split split) {
  std::vector<float> scores;
  std::vector<int> labels;
  for (const auto& p : predictions)
    if (p.split == split) {
      scores.push_back(p.logit);
      labels.push_back(p.label);
    }
  std::vector<Point> points;
  for (const auto& point : roc_curve(scores, labels))
    points.push_back({point.false_positive_rate, point.true_positive_rate});
  return points;
}

std::vector<double> bin_centres_kb(std::size_t bins, double upstream_bp, double downstream_bp) {
  std::vector<double> centres(bins);
  const double width = (upstream_bp + downstream_bp) / static_cast<double>(std::max<std::size_t>(bins, 1));
  for (std::size_t k = 0; k < bins; ++k)
    centres[k] = (-upstream_bp + width * (static_cast<double>(k) + 0.5)) / 1000.0;
  return centres;
}

RunPage render_run_page(const RunFolder& run, const RunPageOptions& options) {
  const auto& metrics = run.metrics;
  if (options.signal && (options.signal->shape.size() != 3 || options.signal->dim(0) != run.genes.size() ||
                         options.signal->dim(1) != metrics.marks.size()))
    fail("input signal of {} genes x {} marks given for a run of {} test genes x {} marks",
         options.signal->shape.empty() ? 0 : options.signal->dim(0),
         options.signal->shape.size() > 1 ? options.signal->dim(1) : 0, run.genes.size(), metrics.marks.size());
  Layout layout;
  layout.bins = run.attention ? run.attention->alpha.dim(2) : run.saliency ? run.saliency->dim(2)
                : options.signal                                          ? options.signal->dim(2)
                                                                          : 0;
  const double upstream = run.geometry ? static_cast<double>(run.geometry->upstream) : options.upstream_bp;
  const double downstream = run.geometry ? static_cast<double>(run.geometry->downstream) : options.downstream_bp;
  const auto orientation = run.geometry ? run.geometry->orientation : options.orientation;
  layout.upstream_kb = upstream / 1000;
  layout.downstream_kb = downstream / 1000;
  layout.kb = bin_centres_kb(layout.bins, upstream, downstream);
  layout.reverse_minus = orientation == Orientation::Genomic;
  for (const auto& gene : run.genes) {
    layout.minus += gene.strand == '-';
    layout.unknown += gene.strand == 0;
  }
  if (options.signal && options.signal->dim(2) != layout.bins)
    fail("input signal has {} bins, the run {}", options.signal->dim(2), layout.bins);

  Tables tables;
  const std::string title =
      options.title.empty() ? fmt::format("{} · {}", metrics.epigenome, metrics.model) : options.title;
  std::string body = "<h1>" + escape_html(title) + "</h1>\n";
  body += fmt::format("<p class=\"sub\">Run folder <code>{}</code></p>\n", escape_html(run.dir.string()));
  body += "<div class=\"facts\">";
  body += fact("epigenome", metrics.epigenome);
  body += fact("model", metrics.model);
  if (is_regression(metrics)) {
    body += fact("test Pearson r", format_fixed(metrics.splits[2].pearson.value_or(std::nan("")), 4));
    body += fact("test Spearman r", format_fixed(metrics.splits[2].spearman.value_or(std::nan("")), 4));
  } else {
    body += fact("test AUROC", format_fixed(metrics.splits[2].auroc, 4));
    body += fact("test AUPR", format_fixed(metrics.splits[2].aupr, 4));
  }
  body += fact("best epoch", metrics.epochs_run > 0 ? fmt::format("{} of {}", metrics.best_epoch, metrics.epochs_run)
                                                   : std::to_string(metrics.best_epoch));
  std::string marks;
  for (const auto& mark : metrics.marks) marks += (marks.empty() ? "" : ", ") + mark;
  body += fact("marks", marks);
  if (layout.bins > 0)
    body += fact("window", fmt::format("{} to +{} kb, {} bins", format_fixed(-layout.upstream_kb, 1),
                                       format_fixed(layout.downstream_kb, 1), layout.bins));
  body += "</div>\n";
  body += "<h2>Metrics at the best-validation epoch</h2>\n" + metrics_table(metrics);
  body += is_regression(metrics) ? regression_section(run, tables) : roc_section(run, tables);
  body += history_section(run);
  body += profiles_section(run, options, layout, tables);
  body += validation_section(run, options, layout, tables);
  body += heat_map_section(run, options, layout, tables);
  body += beta_section(run, tables);
  body += named_genes_section(run, options, layout, tables);
  body += top_genes_section(run, options);
  body += provenance_section(metrics);
  body += fmt::format("<footer>achrome-report · seed {} · device {} · the numbers of every chart are in the "
                      ".tsv files beside this page</footer>\n",
                      escape_html(metrics.seed.empty() ? "n/a" : metrics.seed),
                      escape_html(metrics.device.empty() ? "n/a" : metrics.device));
  RunPage page;
  page.html = html_page(title, body);
  page.tables = {{"profiles.tsv", std::move(tables.profiles)},
                 {"heatmap.tsv", std::move(tables.heat_map)},
                 {"beta.tsv", std::move(tables.beta)},
                 {"named_genes.tsv", std::move(tables.named)}};
  // A regression has no ROC: its plotted numbers are the groups of the predicted-against-measured chart.
  if (is_regression(metrics))
    page.tables.emplace_back("deciles.tsv", std::move(tables.deciles));
  else
    page.tables.emplace_back("roc.tsv", std::move(tables.roc));
  if (options.validation) {
    page.tables.emplace_back("validation.tsv", std::move(tables.validation));
    page.tables.emplace_back("validation_profiles.tsv", std::move(tables.validation_profiles));
  }
  return page;
}

std::filesystem::path table_path(const std::filesystem::path& page, const std::string& suffix) {
  auto path = page;
  path.replace_extension();
  return path.string() + "." + suffix;
}

}  // namespace achrome::report
