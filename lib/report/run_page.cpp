#include "report/run_page.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include <fmt/format.h>

#include "metrics/classification.hpp"
#include "report/html.hpp"
#include "util/error.hpp"

namespace achrome::report {

namespace {

constexpr const char* kOnColor = "#c0392b";
constexpr const char* kOffColor = "#2e6fa7";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string fact(std::string_view key, const std::string& value) {
  return fmt::format("<div class=\"fact\"><div class=\"k\">{}</div><div class=\"v\">{}</div></div>", key,
                     escape_html(value));
}

std::string metrics_table(const RunMetrics& metrics) {
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

std::string roc_section(const RunFolder& run) {
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
  chart.series.push_back({"", "#1f5fa0", thin_polyline(roc_points(*run.predictions, Split::Test), 0.002)});
  out += "<div class=\"charts\"><figure>" + render_line_chart(chart) + "</figure>";
  out += fmt::format(
      "<p class=\"caption\" style=\"max-width:420px\">{} test genes ({} ON, {} OFF) scored by the best-validation "
      "model. AUROC from predictions.tsv: <b>{}</b>; metrics.json: {}.</p></div>\n",
      format_count(static_cast<long long>(labels.size())), format_count(static_cast<long long>(positives)),
      format_count(static_cast<long long>(labels.size() - positives)), format_fixed(area, 4),
      format_fixed(run.metrics.splits[2].auroc, 4));
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
    train_auroc.points.push_back({r.epoch, r.train_auroc});
    valid.points.push_back({r.epoch, r.valid_auroc});
    test.points.push_back({r.epoch, r.test_auroc});
    train_loss.points.push_back({r.epoch, r.train_loss});
    valid_loss.points.push_back({r.epoch, r.valid_loss});
    for (double v : {r.train_auroc, r.valid_auroc, r.test_auroc})
      if (std::isfinite(v)) auroc_min = std::min(auroc_min, v);
    for (double v : {r.train_loss, r.valid_loss})
      if (std::isfinite(v)) loss_max = std::max(loss_max, v);
    first = std::min(first, r.epoch);
    last = std::max(last, r.epoch);
  }
  if (last <= first) last = first + 1;
  const Marker best{static_cast<double>(run.metrics.best_epoch), "best"};
  LineChart aurocs;
  aurocs.title = "AUROC per epoch";
  aurocs.width = 440;
  aurocs.x = {"epoch", first, last, 0};
  aurocs.y = {"AUROC", std::min(0.5, std::floor(auroc_min * 20) / 20), 1, 2};
  aurocs.series = {train_auroc, valid, test};
  aurocs.markers = {best};
  LineChart losses;
  losses.title = "Loss per epoch";
  losses.width = 440;
  losses.x = aurocs.x;
  losses.y = {"BCE loss", 0, loss_max > 0 ? std::ceil(loss_max * 10) / 10 : 1, 1};
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

// Mean over the ON (label 1) or OFF genes of alpha[g, mark, :] / beta[g, :].
std::vector<double> mean_rows(const NpyArray& array, const std::vector<AttentionGene>& genes, int label,
                              std::size_t offset, std::size_t length, std::size_t& count) {
  std::vector<double> sum(length, 0.0);
  count = 0;
  const std::size_t row = array.size() / std::max<std::size_t>(array.dim(0), 1);
  for (std::size_t g = 0; g < genes.size(); ++g) {
    if (genes[g].label != label) continue;
    ++count;
    const float* values = array.data.data() + g * row + offset;
    for (std::size_t k = 0; k < length; ++k) sum[k] += values[k];
  }
  for (auto& v : sum) v = count > 0 ? v / static_cast<double>(count) : kNaN;
  return sum;
}

std::string attention_section(const RunFolder& run, const RunPageOptions& options) {
  std::string out = "<h2>Bin attention (&alpha;) per mark, test genes</h2>\n";
  if (!run.attention) return out + "<p class=\"note\">No attention in the run folder (alpha.npy, "
                                   "attention_genes.tsv): this model has none.</p>\n";
  const auto& attention = *run.attention;
  const auto& marks = run.metrics.marks;
  const std::size_t bins = attention.alpha.dim(2);
  // One attention over bins shared by the marks (cnn-attn, lstm-attn) is drawn as one chart.
  const bool shared = attention.alpha.dim(1) == 1 && marks.size() != 1;
  const std::vector<std::string> panels = shared ? std::vector<std::string>{"all marks (one attention)"} : marks;
  const auto x = bin_centres_kb(bins, options.upstream_bp, options.downstream_bp);
  std::size_t on = 0, off = 0;
  out += "<div class=\"charts\">";
  for (std::size_t m = 0; m < panels.size(); ++m) {
    const auto on_mean = mean_rows(attention.alpha, attention.genes, 1, m * bins, bins, on);
    const auto off_mean = mean_rows(attention.alpha, attention.genes, 0, m * bins, bins, off);
    double top = 0;
    for (double v : on_mean) if (std::isfinite(v)) top = std::max(top, v);
    for (double v : off_mean) if (std::isfinite(v)) top = std::max(top, v);
    LineChart chart;
    chart.title = panels[m];
    chart.width = 340;
    chart.height = 220;
    chart.x = {"kb from TSS", -options.upstream_bp / 1000, options.downstream_bp / 1000, 0};
    chart.y = {"mean α", 0, top > 0 ? top * 1.1 : 1.0 / static_cast<double>(bins), 3};
    Series on_series{"ON", kOnColor, {}}, off_series{"OFF", kOffColor, {}};
    for (std::size_t k = 0; k < bins; ++k) {
      on_series.points.push_back({x[k], on_mean[k]});
      off_series.points.push_back({x[k], off_mean[k]});
    }
    chart.series = {on_series, off_series};
    chart.markers = {{0, "TSS"}};
    out += "<figure>" + render_line_chart(chart) + "</figure>";
  }
  out += "</div>\n";
  out += fmt::format("<p class=\"caption\">Mean &alpha; over {} ON and {} OFF test genes, {} bins over {} kb to {} kb "
                     "around the TSS (bin centres). Uniform attention would be {}.</p>\n",
                     format_count(static_cast<long long>(on)), format_count(static_cast<long long>(off)), bins,
                     format_fixed(-options.upstream_bp / 1000, 1), format_fixed(options.downstream_bp / 1000, 1),
                     format_fixed(1.0 / static_cast<double>(bins), 3));

  out += "<h2>Mark attention (&beta;), test genes</h2>\n";
  if (!attention.beta) {
    out += "<p class=\"note\">This model has no mark attention (no beta.npy).</p>\n";
  } else {
    const auto& beta = *attention.beta;
    const auto beta_on = mean_rows(beta, attention.genes, 1, 0, marks.size(), on);
    const auto beta_off = mean_rows(beta, attention.genes, 0, 0, marks.size(), off);
    double top = 0;
    for (double v : beta_on) if (std::isfinite(v)) top = std::max(top, v);
    for (double v : beta_off) if (std::isfinite(v)) top = std::max(top, v);
    BarChart bars;
    bars.title = "Mean β per mark";
    bars.width = std::max(420.0, 110.0 * static_cast<double>(marks.size()));
    bars.height = 260;
    bars.y = {"mean β", 0, top > 0 ? std::ceil(top * 1.15 * 20) / 20 : 1, 2};
    bars.categories = marks;
    bars.series = {{"ON", kOnColor, beta_on}, {"OFF", kOffColor, beta_off}};
    out += "<figure>" + render_bar_chart(bars) + "</figure>\n";
  }

  // Top genes by predicted probability, with their mark attention.
  std::vector<std::size_t> order(attention.genes.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return attention.genes[a].logit > attention.genes[b].logit;
  });
  order.resize(std::min(order.size(), options.top_genes));
  out += fmt::format("<h2>Top {} test genes by predicted probability</h2>\n", order.size());
  out += "<table><tr><th class=\"text\">gene</th><th class=\"text\">label</th><th>probability</th><th>logit</th>";
  if (attention.beta)
    for (const auto& mark : marks) out += "<th>β " + escape_html(mark) + "</th>";
  out += "</tr>\n";
  for (std::size_t g : order) {
    const auto& gene = attention.genes[g];
    out += fmt::format("<tr><td class=\"text\">{}</td><td class=\"text {}\">{}</td><td>{}</td><td>{}</td>",
                       escape_html(gene.gene_id), gene.label ? "on" : "off", gene.label ? "ON" : "OFF",
                       format_fixed(gene.probability, 3), format_fixed(gene.logit, 2));
    if (attention.beta)
      for (std::size_t m = 0; m < marks.size(); ++m)
        out += "<td>" + format_fixed(attention.beta->data[g * marks.size() + m], 3) + "</td>";
    out += "</tr>\n";
  }
  return out + "</table>\n";
}

std::string provenance_section(const RunMetrics& metrics) {
  if (metrics.provenance.empty()) return "";
  std::string out = "<h2>Provenance</h2>\n<table>";
  for (const auto& [key, value] : metrics.provenance)
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

std::string render_run_page(const RunFolder& run, const RunPageOptions& options) {
  const auto& metrics = run.metrics;
  const std::string title =
      options.title.empty() ? fmt::format("{} · {}", metrics.epigenome, metrics.model) : options.title;
  std::string body = "<h1>" + escape_html(title) + "</h1>\n";
  body += fmt::format("<p class=\"sub\">Run folder <code>{}</code></p>\n", escape_html(run.dir.string()));
  body += "<div class=\"facts\">";
  body += fact("epigenome", metrics.epigenome);
  body += fact("model", metrics.model);
  body += fact("test AUROC", format_fixed(metrics.splits[2].auroc, 4));
  body += fact("test AUPR", format_fixed(metrics.splits[2].aupr, 4));
  body += fact("best epoch", metrics.epochs_run > 0 ? fmt::format("{} of {}", metrics.best_epoch, metrics.epochs_run)
                                                   : std::to_string(metrics.best_epoch));
  std::string marks;
  for (const auto& mark : metrics.marks) marks += (marks.empty() ? "" : ", ") + mark;
  body += fact("marks", marks);
  body += "</div>\n";
  body += "<h2>Metrics at the best-validation epoch</h2>\n" + metrics_table(metrics);
  body += roc_section(run);
  body += history_section(run);
  body += attention_section(run, options);
  body += provenance_section(metrics);
  body += fmt::format("<footer>achrome-report · seed {} · device {}</footer>\n",
                      escape_html(metrics.seed.empty() ? "n/a" : metrics.seed),
                      escape_html(metrics.device.empty() ? "n/a" : metrics.device));
  return html_page(title, body);
}

}  // namespace achrome::report
